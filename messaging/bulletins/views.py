"""The bulletin publisher's pages. Each view asks ``permissions`` for its object (one loader) and does its
writing through ``services`` (one action); who may see what is never decided here."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView, View

from accounts import roles
from common import once
from common.actions import attempt
from common.once import OnceFormMixin
from common.params import object_id
from common.ratelimits import RateLimitedFormMixin
from common.views import LoadingMixin
from messaging.bulletins import exports, permissions, selectors, services
from messaging.bulletins.audience import Audience
from messaging.bulletins.forms import (
    BulletinForm,
    FeedbackForm,
    IncidentForm,
    IncidentUpdateForm,
    ResolveIncidentForm,
    ScheduleForm,
)
from messaging.bulletins.models import Bulletin


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
    submit_label = "Submit"

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


class BulletinDetailView(MemberRequiredMixin, TemplateView):
    template_name = "bulletins/detail.html"

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_bulletin(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "update":
            # The live client inserts this into an open incident timeline: that is not the member reading it.
            return self.response_class(request, ["bulletins/_update.html"], {"update": self.bulletin})
        self.delivery = services.mark_read(self.bulletin, user=request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bulletin = self.bulletin
        is_officer = permissions.can_publish(self.request.user)
        context.update(
            bulletin=bulletin,
            author_badges=roles.site_badges(bulletin.author),
            successor=selectors.successor_for(self.request.user, bulletin),
            delivery=self.delivery,
            feedback_form=FeedbackForm(),
            is_officer=is_officer,
        )
        if is_officer:
            sectors, boroughs = list(bulletin.sectors.all()), list(bulletin.boroughs.all())
            audience = Audience.chosen(everyone=bulletin.everyone, sectors=sectors, boroughs=boroughs)
            context.update(sectors=sectors, boroughs=boroughs, preview=selectors.audience_preview(audience),
                           schedule_form=ScheduleForm())
        return context


class AcknowledgeView(MemberRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_acknowledgeable(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        if services.acknowledge(self.bulletin, user=request.user):
            messages.success(request, "Thank you: your acknowledgement is recorded.")
        else:
            messages.info(request, "You had already acknowledged this bulletin.")
        return redirect(self.bulletin)


class FeedbackView(RateLimitedFormMixin, MemberRequiredMixin, FormPageMixin, FormView):
    rate_limit_action = "post"
    form_class = FeedbackForm
    submit_label = "Send reply"

    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_bulletin(request.user, kwargs["pk"])

    def heading(self) -> str:
        return self.bulletin.title

    def get(self, request, *args, **kwargs):
        return redirect(self.bulletin)

    def form_valid(self, form):
        services.leave_feedback(self.bulletin, user=self.request.user, body=form.cleaned_data["body"])
        messages.success(self.request, "Your reply has gone to the police liaison team.")
        return redirect(self.bulletin)


class IncidentListView(MemberRequiredMixin, ListView):
    template_name = "bulletins/incident_list.html"
    paginate_by = 20
    context_object_name = "incidents"

    def get_queryset(self):
        return selectors.incidents_for(self.request.user)


class IncidentDetailView(MemberRequiredMixin, TemplateView):
    template_name = "bulletins/incident_detail.html"

    def load(self, request, **kwargs) -> None:
        self.incident = permissions.access_incident(request.user, kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            incident=self.incident,
            updates=selectors.timeline(self.incident, user=self.request.user),
            is_officer=permissions.can_publish(self.request.user),
            update_form=IncidentUpdateForm(),
            resolve_form=ResolveIncidentForm(),
        )
        return context


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

    def get_initial(self):
        return self.supersedes.successor_initial() if self.supersedes else super().get_initial()

    def act_once(self, form):
        try:
            bulletin = services.create_draft(by=self.request.user, supersedes=self.supersedes, **form.cleaned_data)
        except services.BulletinError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Draft saved. Check the audience below, then publish or schedule it.")
        return redirect(bulletin)

    def get_context_data(self, **kwargs):
        return super().get_context_data(supersedes=self.supersedes, **kwargs)


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


class PublishView(OfficerRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_managed_bulletin(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        if refusal := once.refuse_unless_claimed(request, redirect_to=self.bulletin.get_absolute_url()):
            return refusal
        attempt(request, lambda: services.publish_bulletin(self.bulletin, by=request.user),
                lambda count: f"Published to {count} member{'s' if count != 1 else ''}.")
        return redirect(self.bulletin)


class ScheduleView(OfficerRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.bulletin = permissions.access_managed_bulletin(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["when"]))
            return redirect(self.bulletin)
        if refusal := once.refuse_unless_claimed(request, redirect_to=self.bulletin.get_absolute_url()):
            return refusal
        attempt(request, lambda: services.schedule_bulletin(self.bulletin, when=form.cleaned_data["when"],
                                                            by=request.user),
                "Scheduled.")
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
            exports.write_delivery_report(csv.writer(response), selectors.delivery_report(self.bulletin))
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.delivery_report(self.bulletin), self.paginate_by).get_page(
            self.request.GET.get("page"))
        context.update(bulletin=self.bulletin, page_obj=page, deliveries=page.object_list)
        return context


class FeedbackListView(OfficerRequiredMixin, ListView):
    template_name = "bulletins/feedback_list.html"
    paginate_by = 25
    context_object_name = "feedback"

    def get_queryset(self):
        return selectors.member_feedback()


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


class IncidentUpdateView(OnceFormMixin, OfficerRequiredMixin, FormPageMixin, FormView):
    """Publishes an update at once to every member in the incident's audience: once per form render."""

    form_class = IncidentUpdateForm
    submit_label = "Publish update"

    def load(self, request, **kwargs) -> None:
        self.incident = permissions.access_managed_incident(request.user, kwargs["pk"])

    def heading(self) -> str:
        return self.incident.title

    def once_redirect_url(self) -> str:
        return self.incident.get_absolute_url()

    def act_once(self, form):
        attempt(self.request, lambda: services.post_incident_update(self.incident, by=self.request.user,
                                                                    **form.cleaned_data),
                "Update published.")
        return redirect(self.incident)


class IncidentResolveView(IncidentUpdateView):
    form_class = ResolveIncidentForm
    submit_label = "Resolve and send final update"

    def act_once(self, form):
        attempt(self.request, lambda: services.resolve_incident(self.incident, body=form.cleaned_data["body"],
                                                                by=self.request.user),
                "Incident resolved; the final update has gone out.")
        return redirect(self.incident)
