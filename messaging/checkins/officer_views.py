"""The picture for officers (the live grid, the export) and the follow-up by sector leads (the chase list, "called,
no answer", an answer recorded on an organisation's behalf). Each view asks ``permissions`` for its objects and
acts through ``chasing`` (one action); who may see what is decided there."""

import csv
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import FormView, TemplateView, View

from common import once
from common.actions import attempt
from common.params import object_id
from common.text import possessive
from common.views import LoadingMixin
from messaging.bulletins.exports import csv_safe
from messaging.checkins import chasing, live_grid, permissions, selectors
from messaging.checkins.forms import ChaseAnswerForm
from messaging.checkins.models import CheckIn, Choice
from sectors.models import Borough, Organisation, Sector
from sectors.permissions import led_sector_ids

CHASE_PAGE_SIZE = 25
CELL_PAGE_SIZE = 50


class OfficerRequiredMixin(LoadingMixin):
    def test_func(self) -> bool:
        return permissions.can_open(self.request.user)


class LeadRequiredMixin(LoadingMixin):
    """Sector leads (and administrators, who lead every sector)."""

    def test_func(self) -> bool:
        return bool(led_sector_ids(self.request.user))


# Officers --------------------------------------------------------------------------------------------------------


class GridView(OfficerRequiredMixin, TemplateView):
    """The live grid: sectors x boroughs with counts per answer and the organisations in each cell, "need police
    contact" pinned first with who to call, the share that has answered. ``?fragment=grid`` is the grid alone
    (static/live.js fetches it again when an answer is announced); ``?sector=&borough=&choice=`` lists the
    answers behind a cell, paginated (a cell's "and N more")."""

    template_name = "checkins/grid.html"

    def load(self, request, **kwargs) -> None:
        self.check_in = permissions.access_managed_check_in(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "grid":
            return HttpResponse(self.grid_html())
        return super().get(request, *args, **kwargs)

    def grid_html(self) -> str:
        """The grid, shared with the other officers watching it (live_grid): ``?v=`` is the version the page
        was told of, and it is served a render at least that new. Rendered without the request: it is the same
        for every officer."""
        grid_url = reverse("checkins:grid", args=[self.check_in.pk])
        return live_grid.grid_html(
            self.check_in.pk, at_least=object_id(self.request.GET.get("v")),
            render=lambda: render_to_string("checkins/_grid.html", {
                "check_in": self.check_in, "grid": selectors.grid_for(self.check_in), "grid_url": grid_url}))

    def cell_filter(self) -> dict[str, Any] | None:
        """The cell asked for in the query string, or None (the grid itself)."""
        params = self.request.GET
        if not {"sector", "borough", "choice"} & set(params):
            return None
        borough = params.get("borough", "")
        return {"sector_id": object_id(params.get("sector")), "borough_id": object_id(borough),
                "no_borough": borough == "none", "choice_id": object_id(params.get("choice"))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cell = self.cell_filter()
        if cell is None:
            context.update(check_in=self.check_in, grid_html=self.grid_html(),
                           grid_url=reverse("checkins:grid", args=[self.check_in.pk]))
            return context
        page = Paginator(selectors.cell_answers(self.check_in, **cell), CELL_PAGE_SIZE).get_page(
            self.request.GET.get("page"))
        query = {key: self.request.GET[key] for key in ("sector", "borough", "choice") if key in self.request.GET}
        context.update(
            check_in=self.check_in, cell=cell, page_obj=page, answers=page.object_list, query_string=urlencode(query),
            cell_sector=Sector.objects.filter(pk=cell["sector_id"]).first() if cell["sector_id"] else None,
            cell_borough=Borough.objects.filter(pk=cell["borough_id"]).first() if cell["borough_id"] else None,
            cell_choice=Choice.objects.filter(pk=cell["choice_id"], check_in=self.check_in).first()
            if cell["choice_id"] else None,
        )
        return context


class _Echo:
    """A file-like object whose write() hands the line back: csv.writer into a streaming response."""

    def write(self, value: str) -> str:
        return value


class ExportView(OfficerRequiredMixin, View):
    """Every current answer as CSV (organisation, sectors, borough, answer, note, who, when, by a lead), then the
    asked organisations that have not answered. Streamed: 10,000 rows never sit in memory. Every cell is made
    safe for spreadsheets (a leading apostrophe before what could start a formula)."""

    def load(self, request, **kwargs) -> None:
        self.check_in = permissions.access_managed_check_in(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        writer = csv.writer(_Echo())
        rows = (writer.writerow([csv_safe(cell) for cell in row]) for row in selectors.export_rows(self.check_in))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="check-in-{self.check_in.pk}-answers.csv"'
        response["Cache-Control"] = "no-store"
        return response


# Sector leads ----------------------------------------------------------------------------------------------------


class ChaseListView(LeadRequiredMixin, TemplateView):
    """"Not yet answered in my sector": the asked organisations in the lead's sectors without an answer, with
    their approved members' e-mails and phone numbers there and the last call made, paginated."""

    template_name = "checkins/chase.html"

    def load(self, request, **kwargs) -> None:
        self.check_in, self.sector_ids = permissions.access_chase(request.user, kwargs["pk"])
        # A check-in that asked nobody in the lead's sectors is none of their business (as if it did not exist).
        if not selectors.asked_organisations(self.check_in, sector_ids=self.sector_ids).exists():
            raise Http404("No check-in here asked your sectors.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.not_answered(self.check_in, self.sector_ids), CHASE_PAGE_SIZE).get_page(
            self.request.GET.get("page"))
        organisations = list(page.object_list)
        selectors.chase_contacts(self.check_in, organisations, self.sector_ids)
        choices = list(self.check_in.choices.all())
        boroughs = selectors.premises_boroughs_of(organisation.pk for organisation in organisations)
        for organisation in organisations:
            organisation.answer_form = ChaseAnswerForm(choices=choices, boroughs=boroughs[organisation.pk],
                                                       prefix=f"org{organisation.pk}")
        context.update(check_in=self.check_in, page_obj=page, organisations=organisations,
                       sectors=Sector.objects.filter(pk__in=self.sector_ids).order_by("name"))
        return context


def _back_to_chase(request, check_in: CheckIn, organisation: Organisation):
    """The chase page the lead acted from, at the organisation's card (gone once it has answered)."""
    url = reverse("checkins:chase", args=[check_in.pk])
    page = object_id(request.POST.get("page"))
    query = f"?page={page}" if page else ""
    return redirect(f"{url}{query}#organisation-{organisation.pk}")


class ChaseCalledView(LeadRequiredMixin, View):
    """"Called, no answer": recorded against the organisation, shown on the chase page."""

    def load(self, request, **kwargs) -> None:
        self.check_in, self.organisation, self.sector_ids = permissions.access_chased_organisation(
            request.user, kwargs["pk"], kwargs["organisation_pk"])

    def post(self, request, *args, **kwargs):
        back = _back_to_chase(request, self.check_in, self.organisation)
        refusal = once.refuse_unless_claimed(request, redirect_to=back.url)
        if refusal:
            return refusal
        attempt(request, lambda: chasing.record_chase_attempt(
            self.check_in, self.organisation, by=request.user, sector_ids=self.sector_ids,
            note=request.POST.get("note", "")), f"Recorded: you called {self.organisation}, no answer.")
        return back


class ChaseAnswerView(once.OnceFormMixin, LeadRequiredMixin, FormView):
    """An answer given on the phone, recorded on the organisation's behalf (audited as the lead's). A form with
    something wrong comes back on its own page, with what was typed."""

    form_class = ChaseAnswerForm
    template_name = "checkins/chase_answer.html"
    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.check_in, self.organisation, self.sector_ids = permissions.access_chased_organisation(
            request.user, kwargs["pk"], kwargs["organisation_pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "choices": list(self.check_in.choices.all()),
                "boroughs": selectors.premises_boroughs(self.organisation.pk),
                "prefix": f"org{self.organisation.pk}"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            check_in=self.check_in, organisation=self.organisation,
            hidden=[("page", object_id(self.request.POST.get("page")) or "")],
            heading=f"Record {possessive(self.organisation.name)} answer", submit_label="Record their answer",
            cancel_url=_back_to_chase(self.request, self.check_in, self.organisation).url, **kwargs)

    def once_redirect_url(self) -> str:
        return _back_to_chase(self.request, self.check_in, self.organisation).url

    def act_once(self, form):
        back = _back_to_chase(self.request, self.check_in, self.organisation)
        attempt(self.request, lambda: chasing.answer_on_behalf(
            self.check_in, self.organisation, choice=form.cleaned_data["choice"], note=form.cleaned_data["note"],
            borough=form.cleaned_data["borough"], by=self.request.user),
            f"Recorded {possessive(self.organisation.name)} answer on their behalf.")
        return back
