"""The officers' triage: the inbox of reports (tabs by status, mine or all, filters), and the actions on a report's
page (status, assignment, a bulletin drafted from it). Each view asks ``permissions`` for its report and does its
writing through ``triage``."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from common.actions import attempt
from common.params import object_id
from common.views import LoadingMixin
from messaging.police_reports import permissions, triage
from messaging.police_reports import triage_selectors as selectors
from messaging.police_reports.models import PoliceReport
from sectors.models import Borough


class TriageRequiredMixin(LoadingMixin):
    """Police liaison officers only (403 for anyone else signed in, the login page for visitors)."""

    def test_func(self) -> bool:
        return permissions.can_triage(self.request.user)


class TriageListView(TriageRequiredMixin, TemplateView):
    """The triage inbox. ``?fragment=list`` is its live part alone (tabs, counts and the page of reports), fetched
    again by static/live.js when a report arrives or changes (data-live-part="report-triage"); ``?fragment=count``
    the navigation's count of new reports, another part of the same name."""

    template_name = "police_reports/triage.html"
    paginate_by = 25

    def choices(self, boroughs: list[Borough]) -> selectors.TriageFilter:
        params = self.request.GET
        status = params.get("status", "")
        scope = params.get("scope", "")
        kind = params.get("kind", "")
        borough_id = object_id(params.get("borough"))
        return selectors.TriageFilter(
            status=status if status in PoliceReport.Status.values else PoliceReport.Status.NEW,
            scope=scope if scope in dict(selectors.SCOPES) else selectors.SCOPE_MINE,
            # A borough that does not exist (a tampered link) is no filter at all, rather than an empty inbox.
            borough_id=borough_id if any(borough.pk == borough_id for borough in boroughs) else None,
            kind=kind if kind in PoliceReport.Kind.values else "",
        )

    def get_context_data(self, **kwargs):
        boroughs = list(Borough.objects.all())
        choices = self.choices(boroughs)
        reports = selectors.triage_reports(self.request.user, choices)
        counts = selectors.status_counts(reports)
        listed = selectors.with_triage_columns(reports.filter(status=choices.status)).order_by("-created_at", "-pk")
        paginator = Paginator(listed, self.paginate_by)
        paginator.count = counts[choices.status]  # counted with the tabs already: no second COUNT
        page = paginator.get_page(self.request.GET.get("page"))
        tabs = [{"status": value, "label": label, "count": counts[value], "query": choices.query(status=value)}
                for value, label in PoliceReport.Status.choices]
        return super().get_context_data(
            choices=choices, tabs=tabs, page_obj=page, reports=page.object_list, boroughs=boroughs,
            kinds=PoliceReport.Kind.choices, scopes=selectors.SCOPES,
            scope_links=[(value, label, choices.query(scope=value)) for value, label in selectors.SCOPES],
            query_string=choices.query(), part_query=choices.query(page=page.number if page.number > 1 else ""),
            **kwargs)

    def get(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "count":
            # The navigation's badge, a live part of every officer's page (data-live-part="report-triage"): the
            # number alone, from the cache once counted.
            return HttpResponse(str(selectors.new_reports_count(request.user)), content_type="text/plain")
        return super().get(request, *args, **kwargs)

    def get_template_names(self) -> list[str]:
        if self.request.GET.get("fragment") == "list":
            return ["police_reports/_triage_list.html"]
        return [self.template_name]


class TriageActionMixin(TriageRequiredMixin):
    """A button on the report's page: loads the report (404 for an unknown id), acts, goes back to the page."""

    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.report = permissions.access_triaged_report(request.user, kwargs["pk"])


class StatusView(TriageActionMixin, View):
    def post(self, request, pk: int):
        status = request.POST.get("status", "")
        attempt(request, lambda: triage.set_status(self.report, status, by=request.user),
                lambda report: f"The report is now {report.get_status_display().lower()}; its author has been told.")
        return redirect(self.report)


class AssignView(TriageActionMixin, View):
    """``officer=<id>`` (one of the select's officers), ``to_me`` (the "Assign to me" button) or ``unassign``."""

    def post(self, request, pk: int):
        if "unassign" in request.POST:
            officer = None
        elif "to_me" in request.POST:
            officer = request.user
        else:
            officer_pk = object_id(request.POST.get("officer"))
            officer = get_user_model().objects.filter(pk=officer_pk).first() if officer_pk is not None else None
            if officer is None:
                messages.error(request, "Choose an officer from the list to assign the report to.")
                return redirect(self.report)
        attempt(request, lambda: triage.assign(self.report, officer, by=request.user),
                lambda report: (f"Assigned to {_name(report.assigned_to)}." if report.assigned_to
                                else "The report is no longer assigned to anyone."))
        return redirect(self.report)


class DraftBulletinView(TriageActionMixin, View):
    """One click: the bulletin draft made from the report (the same one on a second click), opened for editing."""

    def post(self, request, pk: int):
        had_one = self.report.bulletin_id is not None
        bulletin = triage.draft_bulletin_from(self.report, by=request.user)
        if had_one:
            messages.info(request, "A bulletin was already drafted from this report: here it is.")
        else:
            messages.success(request, "Bulletin drafted from the report. Edit it (nothing identifies the member, "
                                      "keep it so), choose its audience, then publish it.")
        if bulletin.is_editable:
            return redirect(reverse("bulletins:edit", args=[bulletin.pk]))
        return redirect(bulletin)


def _name(user) -> str:
    return user.display_name or user.email
