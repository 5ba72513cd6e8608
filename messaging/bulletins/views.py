import csv
import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, ListView, UpdateView, View
from django.views.generic.edit import CreateView

from common.actions import attempt
from common.ratelimits import RateLimitedFormMixin
from messaging.bulletins import permissions, selectors, services
from messaging.bulletins.forms import (
    BulletinForm,
    FeedbackForm,
    IncidentForm,
    IncidentUpdateForm,
    ResolveIncidentForm,
    ScheduleForm,
)
from messaging.bulletins.models import Bulletin, Delivery, Incident


class MemberRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Approved members (of any sector) and officers."""

    def test_func(self) -> bool:
        return permissions.can_read_bulletins(self.request.user)


class OfficerRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return permissions.can_publish(self.request.user)


# Members ---------------------------------------------------------------------------------------------------


class InboxView(MemberRequiredMixin, ListView):
    template_name = "bulletins/inbox.html"
    paginate_by = 20
    context_object_name = "deliveries"

    def get_queryset(self):
        kind, severity = self.request.GET.get("kind", ""), self.request.GET.get("severity", "")
        self.kind = kind if kind in Bulletin.Kind.values else ""
        self.severity = severity if severity in Bulletin.Severity.values else ""
        return selectors.inbox_for(self.request.user, kind=self.kind, severity=self.severity)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = {key: value for key, value in (("kind", self.kind), ("severity", self.severity)) if value}
        context.update(
            kinds=Bulletin.Kind.choices, severities=Bulletin.Severity.choices, kind=self.kind,
            severity=self.severity, query_string="&".join(f"{k}={v}" for k, v in query.items()),
        )
        return context


class BulletinDetailView(MemberRequiredMixin, DetailView):
    template_name = "bulletins/detail.html"
    context_object_name = "bulletin"

    def get_queryset(self):
        return permissions.visible_bulletins(self.request.user).select_related("author", "incident", "supersedes")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.delivery = permissions.delivery_for(request.user, self.object)
        fragment = request.GET.get("fragment") == "update"
        # The live client fetches the fragment on its own: that is not the member reading it.
        if self.delivery and not self.delivery.read_at and not fragment:
            services.mark_read(self.object, request.user)
            self.delivery.refresh_from_db()
        if fragment:
            # The live client inserts this into an open incident timeline.
            return self.response_class(request, ["bulletins/_update.html"], {"update": self.object})
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bulletin = self.object
        # Only a published successor the reader may see: a draft's title is nobody's business yet.
        successor = getattr(bulletin, "superseded_by", None)
        if successor and not permissions.visible_bulletins(self.request.user).filter(pk=successor.pk).exists():
            successor = None
        context.update(
            successor=successor,
            delivery=self.delivery,
            feedback_form=FeedbackForm(),
            is_officer=permissions.can_publish(self.request.user),
            sectors=bulletin.sectors.all(),
            boroughs=bulletin.boroughs.all(),
        )
        if context["is_officer"]:
            context["preview"] = services.audience_preview(
                everyone=bulletin.everyone, sectors=context["sectors"], boroughs=context["boroughs"]
            )
            context["schedule_form"] = ScheduleForm()
        return context


class AcknowledgeView(MemberRequiredMixin, View):
    def post(self, request, pk: int):
        bulletin = get_object_or_404(permissions.visible_bulletins(request.user), pk=pk)
        if not bulletin.ack_requested or not permissions.delivery_for(request.user, bulletin):
            raise PermissionDenied("This bulletin does not ask you for an acknowledgement.")
        if services.acknowledge(bulletin, request.user):
            messages.success(request, "Thank you: your acknowledgement is recorded.")
        else:
            messages.info(request, "You had already acknowledged this bulletin.")
        return redirect(bulletin)


class FeedbackView(RateLimitedFormMixin, MemberRequiredMixin, FormView):
    rate_limit_action = "post"
    form_class = FeedbackForm
    template_name = "bulletins/feedback_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_read_bulletins(request.user):
            return self.handle_no_permission()
        self.bulletin = get_object_or_404(permissions.visible_bulletins(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return redirect(self.bulletin)

    def form_valid(self, form):
        services.leave_feedback(self.bulletin, self.request.user, form.cleaned_data["body"])
        messages.success(self.request, "Your reply has gone to the police liaison team.")
        return redirect(self.bulletin)

    def get_context_data(self, **kwargs):
        return super().get_context_data(bulletin=self.bulletin, **kwargs)


class IncidentListView(MemberRequiredMixin, ListView):
    template_name = "bulletins/incident_list.html"
    paginate_by = 20
    context_object_name = "incidents"

    def get_queryset(self):
        return permissions.visible_incidents(self.request.user).select_related("opened_by").order_by(
            "status", "-opened_at"
        )


class IncidentDetailView(MemberRequiredMixin, DetailView):
    template_name = "bulletins/incident_detail.html"
    context_object_name = "incident"

    def get_queryset(self):
        return permissions.visible_incidents(self.request.user).select_related("opened_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        updates = selectors.timeline(self.object)
        if not permissions.can_publish(self.request.user):
            updates = updates.filter(deliveries__user=self.request.user)
        context.update(
            updates=updates,
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


def supersedable():
    """Published bulletins that no other bulletin (draft or not) supersedes yet."""
    return Bulletin.objects.published().filter(superseded_by__isnull=True)


class BulletinCreateView(OfficerRequiredMixin, CreateView):
    form_class = BulletinForm
    template_name = "bulletins/form.html"

    def get_initial(self):
        initial = super().get_initial()
        supersedes = self.request.GET.get("supersedes", "")
        if re.fullmatch(r"[0-9]{1,18}", supersedes):
            old = get_object_or_404(supersedable(), pk=supersedes)
            self.supersedes = old
            initial.update(
                kind=old.kind, severity=old.severity, title=f"Update: {old.title}", body=old.body,
                everyone=old.everyone, sectors=old.sectors.all(), boroughs=old.boroughs.all(),
                starts_at=old.starts_at, ends_at=old.ends_at, location=old.location, marking=old.marking,
                ack_requested=old.ack_requested,
            )
        return initial

    def form_valid(self, form):
        form.instance.author = self.request.user
        supersedes = self.request.POST.get("supersedes", "")
        if re.fullmatch(r"[0-9]{1,18}", supersedes):
            form.instance.supersedes = get_object_or_404(supersedable(), pk=supersedes)
        try:
            with transaction.atomic():
                response = super().form_valid(form)
        except IntegrityError:
            form.add_error(None, "Another draft already supersedes that bulletin; edit that draft instead.")
            return self.form_invalid(form)
        messages.success(self.request, "Draft saved. Check the audience below, then publish or schedule it.")
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(supersedes=getattr(self, "supersedes", None), **kwargs)


class BulletinUpdateView(OfficerRequiredMixin, UpdateView):
    form_class = BulletinForm
    template_name = "bulletins/form.html"

    def get_queryset(self):
        return Bulletin.objects.filter(status__in=[Bulletin.Status.DRAFT, Bulletin.Status.SCHEDULED])

    def form_valid(self, form):
        with transaction.atomic():
            # Publishing may have happened since the form was loaded: re-check under the row lock.
            locked = Bulletin.objects.select_for_update().get(pk=self.object.pk)
            if locked.status not in {Bulletin.Status.DRAFT, Bulletin.Status.SCHEDULED}:
                messages.error(self.request, "This bulletin was published meanwhile; your changes were not saved.")
                return redirect(locked)
            form.instance.status, form.instance.scheduled_for = locked.status, locked.scheduled_for
            response = super().form_valid(form)
        messages.success(self.request, "Draft saved.")
        return response


class PublishView(OfficerRequiredMixin, View):
    def post(self, request, pk: int):
        bulletin = get_object_or_404(Bulletin, pk=pk)
        attempt(request, lambda: services.publish_bulletin(bulletin, by=request.user),
                lambda count: f"Published to {count} member{'s' if count != 1 else ''}.")
        return redirect(bulletin)


class ScheduleView(OfficerRequiredMixin, View):
    def post(self, request, pk: int):
        bulletin = get_object_or_404(Bulletin, pk=pk)
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["when"]))
            return redirect(bulletin)
        attempt(request, lambda: services.schedule_bulletin(bulletin, when=form.cleaned_data["when"], by=request.user),
                "Scheduled.")
        return redirect(bulletin)


class DeliveryReportView(OfficerRequiredMixin, DetailView):
    """Who has received, read and acknowledged a bulletin, by organisation; ?format=csv to download."""

    template_name = "bulletins/report.html"
    context_object_name = "bulletin"
    paginate_by = 50

    def get_queryset(self):
        return selectors.officer_bulletins()

    def deliveries(self):
        return (
            Delivery.objects.filter(bulletin=self.object)
            .select_related("user__organisation")
            .order_by("acknowledged_at", "user__organisation__name", "user__display_name")
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.GET.get("format") == "csv":
            return self.csv_response()
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        page = Paginator(self.deliveries(), self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(page_obj=page, deliveries=page.object_list)
        return context

    def csv_response(self) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bulletin-{self.object.pk}-deliveries.csv"'
        writer = csv.writer(response)
        writer.writerow(["organisation", "member", "email", "emailed_at", "read_at", "acknowledged_at"])
        for delivery in self.deliveries().iterator(chunk_size=2000):
            organisation = delivery.user.organisation.name if delivery.user.organisation else ""
            writer.writerow([
                _csv_safe(organisation), _csv_safe(delivery.user.display_name), _csv_safe(delivery.user.email),
                _iso(delivery.emailed_at), _iso(delivery.read_at), _iso(delivery.acknowledged_at),
            ])
        return response


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _csv_safe(text: str) -> str:
    # Spreadsheet programs run cells that start with these as formulas.
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


class FeedbackListView(OfficerRequiredMixin, ListView):
    template_name = "bulletins/feedback_list.html"
    paginate_by = 25
    context_object_name = "feedback"

    def get_queryset(self):
        from messaging.bulletins.models import Feedback

        return Feedback.objects.select_related("bulletin", "author__organisation").order_by("-created_at")


class IncidentCreateView(OfficerRequiredMixin, FormView):
    form_class = IncidentForm
    template_name = "bulletins/incident_form.html"

    def form_valid(self, form):
        incident = services.open_incident(
            title=form.cleaned_data["title"], sectors=form.cleaned_data["sectors"],
            boroughs=form.cleaned_data["boroughs"], by=self.request.user,
        )
        messages.success(self.request, "Incident opened. Post the first update below.")
        return redirect(incident)


class IncidentUpdateView(OfficerRequiredMixin, FormView):
    form_class = IncidentUpdateForm
    template_name = "bulletins/incident_update_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_publish(request.user):
            return self.handle_no_permission()
        self.incident = get_object_or_404(Incident, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        attempt(self.request, lambda: services.post_incident_update(self.incident, by=self.request.user,
                                                                    **form.cleaned_data),
                "Update published.")
        return redirect(self.incident)

    def get_context_data(self, **kwargs):
        return super().get_context_data(incident=self.incident, **kwargs)


class IncidentResolveView(IncidentUpdateView):
    form_class = ResolveIncidentForm
    template_name = "bulletins/incident_resolve_form.html"

    def form_valid(self, form):
        attempt(self.request, lambda: services.resolve_incident(self.incident, body=form.cleaned_data["body"],
                                                                by=self.request.user),
                "Incident resolved; the final update has gone out.")
        return redirect(self.incident)
