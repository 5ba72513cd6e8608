"""The bulletin publisher's pages. Each view asks ``permissions`` for its object (one loader) and does its
writing through ``services`` (one action); who may see what is never decided here."""

import csv
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.generic import FormView, ListView, TemplateView, View

from accounts import roles
from common import once
from common.actions import attempt
from common.once import OnceFormMixin
from common.params import object_id
from common.ratelimits import RateLimitedFormMixin
from common.views import LoadingMixin
from messaging.bulletins import cap, exports, partners, permissions, selectors, sensitive, services
from messaging.bulletins.audience import Audience
from messaging.bulletins.forms import (
    AnswerForm,
    BulletinForm,
    FeedbackForm,
    IncidentForm,
    IncidentThreadLinkForm,
    IncidentUpdateForm,
    NoticeTemplateForm,
    ResolveIncidentForm,
    ScheduleForm,
    WithdrawForm,
)
from messaging.bulletins.models import Bulletin, NoticeTemplate

# The officer's preview lists the organisations a bulletin will reach, this many a page.
PREVIEW_ORGANISATIONS = 20


class MemberRequiredMixin(LoadingMixin):
    """Approved members (of any sector) and officers."""

    def test_func(self) -> bool:
        return permissions.can_read_bulletins(self.request.user)


class OfficerRequiredMixin(LoadingMixin):
    def test_func(self) -> bool:
        return permissions.can_publish(self.request.user)


class FormPageMixin:
    """The one page for a short form that is normally filled in elsewhere (the bulletin's or incident's page)
    and shown on its own only to say what was wrong."""

    template_name = "bulletins/form_page.html"
    submit_label: str  # what the button does, in words ("Open the incident"): never a bare "Submit"

    def heading(self) -> str:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading(), submit_label=self.submit_label, **kwargs)


# Members ---------------------------------------------------------------------------------------------------


class InboxView(MemberRequiredMixin, ListView):
    template_name = "bulletins/inbox.html"
    paginate_by = 20
    context_object_name = "deliveries"

    def get_queryset(self):
        kind, severity = self.request.GET.get("kind", ""), self.request.GET.get("severity", "")
        self.kind = kind if kind in Bulletin.Kind.values else ""
        self.severity = severity if severity in Bulletin.Severity.values else ""
        return selectors.inbox_keys(self.request.user, kind=self.kind, severity=self.severity)

    def paginate_queryset(self, queryset, page_size):
        # Paginate the ids (inbox_keys), then read the page's deliveries and bulletins whole.
        paginator, page, keys, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = list(selectors.inbox_for(self.request.user, kind=self.kind, severity=self.severity,
                                                    page_keys=keys))
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = {key: value for key, value in (("kind", self.kind), ("severity", self.severity)) if value}
        context.update(
            kinds=Bulletin.Kind.choices, severities=Bulletin.Severity.choices, kind=self.kind,
            severity=self.severity, query_string="&".join(f"{k}={v}" for k, v in query.items()),
        )
        return context


class BulletinPageMixin:
    """The bulletin's page: what every reader sees, their own replies and answers, and for officers the
    audience (with the organisations it reaches, paged) and the actions its state allows."""

    template_name = "bulletins/detail.html"
    delivery = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bulletin, user = self.bulletin, self.request.user
        is_officer = permissions.can_publish(user)
        context.update(
            bulletin=bulletin,
            author_badges=roles.site_badges(bulletin.author),
            # Only a published bulletin can be superseded: a draft's page needs no query for it.
            successor=selectors.successor_for(user, bulletin) if bulletin.is_published else None,
            delivery=self.delivery,
            own_feedback=list(selectors.own_feedback(user, bulletin)) if self.delivery else [],
            feedback_form=kwargs.get("feedback_form") or FeedbackForm(),
            is_officer=is_officer,
        )
        if bulletin.is_sensitive:
            # The reader's name on the page (templates/bulletins/detail.html, static/hub.css), printed too.
            context.update(watermark=sensitive.watermark_text(user), watermark_tiles=range(sensitive.WATERMARK_TILES))
        if is_officer:
            sectors, boroughs = list(bulletin.sectors.all()), list(bulletin.boroughs.all())
            context.update(sectors=sectors, boroughs=boroughs,
                           schedule_form=kwargs.get("schedule_form") or ScheduleForm(),
                           can_withdraw=bulletin.status in services.WITHDRAWABLE)
            if not bulletin.is_published:
                audience = Audience.chosen(everyone=bulletin.everyone, sectors=sectors, boroughs=boroughs)
                preview = selectors.audience_preview(audience)
                paginator = Paginator(selectors.audience_organisations(audience), PREVIEW_ORGANISATIONS)
                paginator.count = preview["organisations"]  # counted already: not a second COUNT of the same
                context.update(preview=preview,
                               organisations=paginator.get_page(self.request.GET.get("organisations")))
        return context


class BulletinDetailView(MemberRequiredMixin, BulletinPageMixin, TemplateView):
    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_bulletin(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "update":
            # The live client inserts this into an open incident timeline: that is not the member reading it.
            return self.response_class(request, ["bulletins/_update.html"], {"update": self.bulletin})
        self.delivery = services.mark_read(self.bulletin, user=request.user)
        sensitive.record_view(self.bulletin, request.user)  # OFFICIAL-SENSITIVE: who opened it, when
        return super().get(request, *args, **kwargs)


class CapDocumentView(View):
    """The bulletin as a CAP 1.2 alert (messaging.bulletins.cap). A partner system sends its key as
    ``Authorization: Bearer <key>``: a key that is not an active token's is a 404, whoever is signed in. Without
    the header it is an officer's page like the others (sign in first; members 403)."""

    def get(self, request, pk: int):
        partner = None
        if (authorization := request.headers.get("Authorization")) is not None:
            partner = partners.from_header(authorization)
            if partner is None:
                raise Http404("No such document.")
        elif not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        bulletin = permissions.access_cap_document(request.user, pk, partner=partner)
        response = HttpResponse(cap.cap_document(bulletin), content_type=cap.CONTENT_TYPE)
        response["Content-Disposition"] = f'inline; filename="bulletin-{bulletin.pk}.cap.xml"'
        response["Cache-Control"] = "private, no-store"
        patch_vary_headers(response, ["Authorization"])
        return response


class AcknowledgeView(MemberRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_acknowledgeable(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        if services.acknowledge(self.bulletin, user=request.user):
            messages.success(request, "Thank you: your acknowledgement is recorded.")
        else:
            messages.info(request, "You had already acknowledged this bulletin.")
        return redirect(self.bulletin)


class FeedbackView(RateLimitedFormMixin, MemberRequiredMixin, BulletinPageMixin, FormView):
    """A member's reply; a reply that will not do comes back on the bulletin's page with what was typed."""

    rate_limit_action = "post"
    form_class = FeedbackForm

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_bulletin(request.user, kwargs["pk"])
        self.delivery = selectors.delivery_for(request.user, self.bulletin)

    def get(self, request, *args, **kwargs):
        return redirect(self.bulletin)

    def get_context_data(self, **kwargs):
        return super().get_context_data(feedback_form=kwargs.pop("form", None), **kwargs)

    def form_valid(self, form):
        services.leave_feedback(self.bulletin, user=self.request.user, body=form.cleaned_data["body"])
        messages.success(self.request, "Your reply has gone to the police liaison team. Their answer will show "
                                       "here, and come by e-mail.")
        return redirect(self.bulletin.get_absolute_url() + "#your-replies")


class IncidentListView(MemberRequiredMixin, ListView):
    template_name = "bulletins/incident_list.html"
    paginate_by = 20
    context_object_name = "incidents"

    def get_queryset(self):
        return selectors.incidents_for(self.request.user)


class IncidentPageMixin:
    """The incident room: its status and audience, the timeline of updates (paged; for officers with the read and
    acknowledgement figures of each), its bridge calls (templates: ``{% incident_calls %}`` of the bridge app, so
    that this app need not know it), the forum threads linked to it that the reader may read, and for officers
    the update, resolve and link forms (each with its own field prefix, so that the page's ids are unique). A form
    sent back with errors is shown on this same page."""

    template_name = "bulletins/incident_detail.html"
    timeline_page_size = 25
    linked_threads_shown = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        is_officer = permissions.can_publish(user)
        page = self.timeline_page()
        context.update(
            incident=self.incident,
            sectors=list(self.incident.sectors.all()),
            boroughs=list(self.incident.boroughs.all()),
            page_obj=page,
            updates=page.object_list,
            thread_links=self.thread_links(),
            is_officer=is_officer,
        )
        if is_officer:
            context.update(
                update_form=kwargs.get("update_form") or IncidentUpdateForm(),
                resolve_form=kwargs.get("resolve_form") or ResolveIncidentForm(),
                link_form=kwargs.get("link_form") or IncidentThreadLinkForm(),
            )
        return context

    def timeline_page(self):
        """The page of the timeline asked for (newest first). Officers' updates carry ``read`` and
        ``acknowledged``, counted in the same query."""
        user = self.request.user
        updates = (selectors.timeline_with_figures(self.incident) if permissions.can_publish(user)
                   else selectors.timeline(self.incident, user=user))
        return Paginator(updates, self.timeline_page_size).get_page(self.request.GET.get("page"))

    def thread_links(self) -> list:
        return list(selectors.linked_threads(self.incident, user=self.request.user)[:self.linked_threads_shown])


class IncidentDetailView(MemberRequiredMixin, IncidentPageMixin, TemplateView):
    """The incident room; ``?fragment=calls`` and ``?fragment=threads`` are its live parts alone (static/live.js
    fetches them again when a call is scheduled, moved, cancelled or summarised, or a thread linked)."""

    FRAGMENTS = {"calls": "bulletins/_incident_room_calls.html", "threads": "bulletins/_incident_threads.html"}

    def load(self, request, **kwargs) -> None:
        self.incident = permissions.access_incident(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        fragment = self.FRAGMENTS.get(request.GET.get("fragment", ""))
        if fragment == self.FRAGMENTS["calls"]:
            return self.response_class(request, [fragment], {"incident": self.incident})
        if fragment:
            return self.response_class(request, [fragment], {"incident": self.incident,
                                                             "thread_links": self.thread_links(),
                                                             "is_officer": permissions.can_publish(request.user)})
        return super().get(request, *args, **kwargs)

    def timeline_page(self):
        # The member has the timeline in front of them: what it shows counts as read, in one UPDATE (the
        # officer's read figures would otherwise stay at 0% for people who follow the incident here).
        page = super().timeline_page()
        services.mark_updates_read(page.object_list, user=self.request.user)
        return page


class IncidentLinkThreadView(OfficerRequiredMixin, IncidentPageMixin, FormView):
    """Link a forum thread to the incident, by its address or number; what will not do comes back on the room's
    page beside the field."""

    form_class = IncidentThreadLinkForm

    def load(self, request, **kwargs) -> None:
        self.incident = permissions.access_managed_incident(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        return redirect(self.incident)

    def get_form_kwargs(self):
        site_host = urlsplit(settings.SITE_URL).netloc
        return {**super().get_form_kwargs(), "hosts": [self.request.get_host(), site_host]}

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or self.get_form()
        return super().get_context_data(link_form=form, open_form="link_form", **kwargs)

    def form_valid(self, form):
        thread = permissions.linkable_thread(self.request.user, form.cleaned_data["thread"])
        if thread is None:
            form.add_error("thread", "There is no forum thread with that number that you can read.")
            return self.form_invalid(form)
        try:
            services.link_thread(self.incident, thread, by=self.request.user)
        except services.BulletinError as error:
            form.add_error("thread", str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Linked “{thread.title}”: the incident's readers who may read it see it here.")
        return redirect(self.incident.get_absolute_url() + "#linked-threads")


class IncidentUnlinkThreadView(OfficerRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.link = permissions.access_thread_link(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        attempt(request, lambda: services.unlink_thread(self.link, by=request.user),
                f"“{self.link.thread.title}” is no longer linked to this incident.")
        return redirect(self.link.incident.get_absolute_url() + "#linked-threads")


# Officers --------------------------------------------------------------------------------------------------


class OfficerBulletinListView(OfficerRequiredMixin, ListView):
    template_name = "bulletins/officer_list.html"
    paginate_by = 25
    context_object_name = "bulletins"

    def get_queryset(self):
        return selectors.officer_bulletins().order_by("-created_at")


class BulletinCreateView(OnceFormMixin, OfficerRequiredMixin, FormView):
    """A new draft; ?supersedes=<id> (and the form's hidden field) starts an update to a published bulletin.
    Saved once per form render: a double click makes one draft."""

    form_class = BulletinForm
    template_name = "bulletins/form.html"

    def once_redirect_url(self) -> str:
        return reverse("bulletins:officer_list")  # where the draft the first submit saved is listed

    def load(self, request, **kwargs) -> None:
        params = request.POST if request.method == "POST" else request.GET
        pk = object_id(params.get("supersedes"))
        self.supersedes = permissions.access_supersedable(self.request.user, pk) if pk is not None else None
        template_pk = object_id(params.get("template")) if self.supersedes is None else None
        self.notice_template = (permissions.access_notice_template(self.request.user, template_pk)
                                if template_pk is not None else None)

    def get_initial(self):
        if self.supersedes:
            return self.supersedes.successor_initial()
        if self.notice_template:
            return self.notice_template.bulletin_initial()
        return super().get_initial()

    def act_once(self, form):
        try:
            bulletin = services.create_draft(by=self.request.user, supersedes=self.supersedes,
                                             notice_template=self.notice_template, **form.cleaned_data)
        except services.BulletinError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Draft saved. Check the audience below, then publish or schedule it.")
        return redirect(bulletin)

    def get_context_data(self, **kwargs):
        return super().get_context_data(supersedes=self.supersedes, notice_template=self.notice_template, **kwargs)


class BulletinUpdateView(OfficerRequiredMixin, FormView):
    form_class = BulletinForm
    template_name = "bulletins/form.html"

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_draft(request.user, kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.bulletin}

    def form_valid(self, form):
        # Publishing may have happened since the form was loaded: the service re-checks under the row lock.
        attempt(self.request, lambda: services.update_draft(self.bulletin, by=self.request.user, **form.cleaned_data),
                "Draft saved.")
        return redirect(self.bulletin)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.bulletin, **kwargs)


class PublishView(OfficerRequiredMixin, TemplateView):
    """GET: the confirmation ("Publish to 240 members in 35 organisations?"), whose form carries the one-time
    token; POST: publish, once per rendered confirmation."""

    template_name = "bulletins/publish_confirm.html"

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_managed_bulletin(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.bulletin.is_published:
            messages.info(request, "This bulletin has already been published.")
            return redirect(self.bulletin)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        audience = Audience.of(self.bulletin)
        return super().get_context_data(bulletin=self.bulletin, preview=selectors.audience_preview(audience),
                                        placeholders=self.bulletin.unfilled_placeholders(), **kwargs)

    def post(self, request, pk: int):
        if refusal := once.refuse_unless_claimed(request, redirect_to=self.bulletin.get_absolute_url()):
            return refusal
        attempt(request, lambda: services.publish_bulletin(self.bulletin, by=request.user),
                lambda count: f"Published to {count} member{'s' if count != 1 else ''}.")
        return redirect(self.bulletin)


class ScheduleView(OfficerRequiredMixin, BulletinPageMixin, TemplateView):
    """Schedules from the bulletin's page; a time that will not do comes back on that page, beside the field, with
    what was typed."""

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_managed_bulletin(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        return redirect(self.bulletin)

    def post(self, request, pk: int):
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(schedule_form=form))
        if refusal := once.refuse_unless_claimed(request, redirect_to=self.bulletin.get_absolute_url()):
            return refusal
        attempt(request, lambda: services.schedule_bulletin(self.bulletin, when=form.cleaned_data["when"],
                                                            by=request.user),
                lambda done: f"Scheduled for {timezone.localtime(done.scheduled_for):%-d %b %Y %H:%M}.")
        return redirect(self.bulletin)


class UnscheduleView(OfficerRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_managed_bulletin(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        attempt(request, lambda: services.unschedule_bulletin(self.bulletin, by=request.user),
                "No longer scheduled: it is a draft again.")
        return redirect(self.bulletin)


class WithdrawView(OnceFormMixin, OfficerRequiredMixin, FormView):
    """Withdraw a published bulletin, with the reason its readers will see: a confirmation page, acting once."""

    form_class = WithdrawForm
    template_name = "reason_form.html"

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_published_bulletin(request.user, kwargs["pk"])

    def once_redirect_url(self) -> str:
        return self.bulletin.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Withdraw “{self.bulletin.title}”", bulletin=self.bulletin, submit_label="Withdraw the bulletin",
            cancel_url=self.bulletin.get_absolute_url(), subject_template="bulletins/_withdraw_subject.html",
            **kwargs)

    def act_once(self, form):
        attempt(self.request, lambda: services.withdraw_bulletin(self.bulletin, by=self.request.user,
                                                                 reason=form.cleaned_data["reason"]),
                "Withdrawn: its readers see it struck through, with your reason.")
        return redirect(self.bulletin)


class DeliveryReportView(OfficerRequiredMixin, TemplateView):
    """Who has received, read and acknowledged a bulletin, by organisation; ?format=csv to download."""

    template_name = "bulletins/report.html"
    paginate_by = 50

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_report(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="bulletin-{self.bulletin.pk}-deliveries.csv"'
            exports.write_delivery_report(csv.writer(response), selectors.delivery_report(self.bulletin),
                                          bulletin=self.bulletin)
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.delivery_report(self.bulletin), self.paginate_by).get_page(
            self.request.GET.get("page"))
        context.update(bulletin=self.bulletin, page_obj=page, deliveries=page.object_list)
        if self.bulletin.is_sensitive:
            # Who opened the OFFICIAL-SENSITIVE page, newest first: paged on its own (?views=).
            context["sensitive_views"] = Paginator(sensitive.views_of(self.bulletin), self.paginate_by).get_page(
                self.request.GET.get("views"))
        return context


class FeedbackListView(OfficerRequiredMixin, ListView):
    """The officers' reply inbox: members' replies waiting for an answer (``?show=all``: every reply), each with
    its answer form and "Mark handled"."""

    template_name = "bulletins/feedback_list.html"
    paginate_by = 25
    context_object_name = "feedback"

    def get_queryset(self):
        self.show_all = self.request.GET.get("show") == "all"
        return selectors.member_feedback(unanswered_only=not self.show_all)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for item in context["feedback"]:
            if not item.is_answered:
                item.answer_form = AnswerForm(prefix=f"feedback-{item.pk}")
        context.update(show_all=self.show_all, query_string="show=all" if self.show_all else "")
        return context


class FeedbackAnswerView(OfficerRequiredMixin, FormPageMixin, FormView):
    """An officer's private answer to one reply; shown on its own page only to say what was wrong."""

    form_class = AnswerForm
    submit_label = "Send the answer"
    template_name = "bulletins/feedback_answer.html"

    def load(self, request, **kwargs) -> None:
        self.feedback = permissions.access_feedback(request.user, kwargs["pk"])

    def heading(self) -> str:
        return f"Answer {self.feedback.author.display_name}"

    def get_prefix(self) -> str:
        return f"feedback-{self.feedback.pk}"  # as the reply inbox renders it

    def get_context_data(self, **kwargs):
        return super().get_context_data(item=self.feedback, cancel_url=reverse("bulletins:feedback_list"), **kwargs)

    def form_valid(self, form):
        attempt(self.request, lambda: services.answer_feedback(self.feedback, by=self.request.user,
                                                               answer=form.cleaned_data["answer"]),
                f"Answer sent to {self.feedback.author.display_name}.")
        return redirect("bulletins:feedback_list")


class FeedbackHandledView(OfficerRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.feedback = permissions.access_feedback(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        attempt(request, lambda: services.mark_feedback_handled(self.feedback, by=request.user),
                "Marked handled.")
        return redirect("bulletins:feedback_list")


class NoticeTemplateListView(OfficerRequiredMixin, ListView):
    template_name = "bulletins/template_list.html"
    paginate_by = 25
    context_object_name = "templates"

    def get_queryset(self):
        return NoticeTemplate.objects.select_related("created_by").order_by("name")


class NoticeTemplateCreateView(OfficerRequiredMixin, FormView):
    """Save a template for recurring notices; ``?from=<bulletin>`` starts from that bulletin's content."""

    form_class = NoticeTemplateForm
    template_name = "bulletins/template_form.html"

    def load(self, request, **kwargs) -> None:
        pk = object_id((request.POST if request.method == "POST" else request.GET).get("from"))
        self.source = permissions.access_managed_bulletin(request.user, pk) if pk is not None else None

    def get_initial(self):
        if self.source is None:
            return super().get_initial()
        fields = {field: getattr(self.source, field) for field in NoticeTemplate.CONTENT_FIELDS}
        return {**fields, "name": self.source.title[:120], "sectors": self.source.sectors.all(),
                "boroughs": self.source.boroughs.all()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            template = services.save_notice_template(by=self.request.user, **data)
        except services.BulletinError as error:
            form.add_error("name", str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Template “{template.name}” saved.")
        return redirect("bulletins:template_list")


class IncidentCreateView(OnceFormMixin, OfficerRequiredMixin, FormPageMixin, FormView):
    form_class = IncidentForm
    submit_label = "Open the incident"

    def heading(self) -> str:
        return "Open an incident"

    def once_redirect_url(self) -> str:
        return reverse("bulletins:incident_list")

    def act_once(self, form):
        incident = services.open_incident(
            title=form.cleaned_data["title"], sectors=form.cleaned_data["sectors"],
            boroughs=form.cleaned_data["boroughs"], by=self.request.user,
        )
        messages.success(self.request, "Incident opened. Post the first update below.")
        return redirect(incident)


class IncidentUpdateView(OnceFormMixin, OfficerRequiredMixin, IncidentPageMixin, FormView):
    """Publishes an update at once to every member in the incident's audience: once per form render. Shown, and
    sent back with its errors, on the incident's own page."""

    form_class = IncidentUpdateForm
    form_context_name = "update_form"

    def load(self, request, **kwargs) -> None:
        self.incident = permissions.access_managed_incident(request.user, kwargs["pk"])

    def once_redirect_url(self) -> str:
        return self.incident.get_absolute_url()

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or self.get_form()
        return super().get_context_data(**{self.form_context_name: form, "open_form": self.form_context_name},
                                        **kwargs)

    def act_once(self, form):
        attempt(self.request, lambda: services.post_incident_update(self.incident, by=self.request.user,
                                                                    **form.cleaned_data),
                "Update published.")
        return redirect(self.incident)


class IncidentResolveView(IncidentUpdateView):
    form_class = ResolveIncidentForm
    form_context_name = "resolve_form"

    def act_once(self, form):
        attempt(self.request, lambda: services.resolve_incident(self.incident, body=form.cleaned_data["body"],
                                                                by=self.request.user),
                "Incident resolved; the final update has gone out.")
        return redirect(self.incident)
