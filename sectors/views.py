from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.generic import DetailView, FormView, ListView, UpdateView, View

from common.actions import attempt
from common.forms import ReasonForm
from common.ratelimits import RateLimitedFormMixin
from common.views import LoadingMixin
from sectors import permissions, selectors, services
from sectors.forms import ApplicationForm, DeputyForm, NameOrganisationForm, OrganisationForm, RepresentativeForm
from sectors.models import Membership, Sector


class SectorDirectoryView(ListView):
    """Public: what each sector is, so a business knows which to apply to."""

    template_name = "sectors/directory.html"
    context_object_name = "sectors"

    def get_queryset(self):
        return selectors.sector_directory()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(approved_ids=permissions.approved_sector_ids(user),
                       viewable_ids=permissions.viewable_sector_ids(user, context["sectors"]))
        return context


class SectorDetailView(LoginRequiredMixin, DetailView):
    template_name = "sectors/detail.html"
    context_object_name = "sector"

    def get_object(self, queryset=None):
        return permissions.access_sector(self.request.user, self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.organisations_in(self.object), 25)
        page_obj = paginator.get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page_obj, organisations=page_obj.object_list,
            can_manage=permissions.can_manage_membership(self.request.user, self.object),
            can_view_representatives=permissions.can_view_representatives(self.request.user, self.object),
        )
        return context


class MyMembershipsView(LoginRequiredMixin, ListView):
    template_name = "sectors/my_memberships.html"
    context_object_name = "memberships"

    def get_queryset(self):
        return selectors.memberships_of(self.request.user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        join_request = None if user.organisation_id else selectors.latest_join_request(user)
        context = super().get_context_data(join_request=join_request,
                                           can_name_organisation=permissions.can_name_organisation(user), **kwargs)
        # A refused sector may be applied to again, unless a newer application (or membership) already stands.
        standing = {m.sector_id for m in context["memberships"] if m.status != Membership.Status.REFUSED}
        context["reapplicable_ids"] = {m.sector_id for m in context["memberships"]
                                       if m.status == Membership.Status.REFUSED and m.sector_id not in standing}
        return context


class ApplyView(RateLimitedFormMixin, LoginRequiredMixin, FormView):
    rate_limit_action = "apply"
    form_class = ApplicationForm
    template_name = "sectors/apply.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            permissions.require_verified_email(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        sector = Sector.objects.filter(slug=self.request.GET.get("sector", "")).first()
        return {"sectors": [sector]} if sector else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(pending_join=permissions.pending_join_request(self.request.user), **kwargs)

    def form_valid(self, form):
        try:
            memberships = services.apply_to_sectors(
                self.request.user, sectors=form.cleaned_data["sectors"], statement=form.cleaned_data["statement"],
                **form.organisation_details(),
            )
        except services.MembershipError as error:
            form.add_error("sectors", str(error))
            return self.form_invalid(form)
        names = ", ".join(m.sector.name for m in memberships)
        messages.success(self.request, f"Application sent to {names}. The sector lead will let you know by e-mail.")
        _say_if_waiting(self.request)
        return redirect("sectors:mine")


def _say_if_waiting(request) -> None:
    joining = selectors.latest_join_request(request.user)
    if not request.user.organisation_id and joining is not None and joining.is_pending:
        messages.info(request, f"{joining.organisation.name} is already on the Hub: its administrators decide "
                               "whether you join it, and you will get an e-mail either way.")


class LeadRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return permissions.is_sector_lead(self.request.user)


class ApplicationQueueView(LeadRequiredMixin, ListView):
    """The lead's queue. The filter (status, sector) is always in the URL and every decision comes back to it,
    so what the lead sees never changes under them; the waiting count per sector says what other filters hold."""

    template_name = "sectors/queue.html"
    context_object_name = "memberships"
    paginate_by = 20

    def get_queryset(self):
        self.sectors = permissions.sectors_led(self.request.user)
        self.led = list(self.sectors)
        status = self.request.GET.get("status", Membership.Status.APPLIED)
        self.status = status if status in Membership.Status.values else Membership.Status.APPLIED
        slug = self.request.GET.get("sector", "")
        self.sector = next((led for led in self.led if led.slug == slug), None)
        return selectors.application_queue(self.sectors, status=self.status, sector=self.sector)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        waiting = selectors.waiting_by_sector(self.sectors)
        selectors.waiting_for_lead(self.request.user, known=sum(waiting.values()))  # the navigation's count
        query = {"status": self.status, "sector": self.sector.slug if self.sector else ""}
        shown_waiting = waiting.get(self.sector.pk, 0) if self.sector else sum(waiting.values())
        context.update(
            statuses=Membership.Status.choices, status=self.status, sector=self.sector,
            led_sectors=[(led, waiting.get(led.pk, 0)) for led in self.led],
            query_string=urlencode(query), filter_url=f"{reverse('sectors:queue')}?{urlencode(query)}",
            waiting_total=sum(waiting.values()), waiting_elsewhere=sum(waiting.values()) - shown_waiting,
        )
        return context


def _queue_url(value: str, request) -> str | None:
    """``value`` if it is a page of this site (where a decision goes back to), else None."""
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return None


class DecisionMixin(LoginRequiredMixin):
    """Loads the membership and refuses anyone who does not lead its sector."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = permissions.access_membership_decision(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def queue_url(self) -> str:
        """Where the lead came from (``next``, posted or in the reason page's URL), so the filter they chose
        stays; failing that, their whole queue of waiting applications, never one narrower than they had."""
        return (_queue_url(self.request.POST.get("next", ""), self.request)
                or _queue_url(self.request.GET.get("next", ""), self.request)
                or f"{reverse('sectors:queue')}?{urlencode({'status': Membership.Status.APPLIED, 'sector': ''})}")

    def back(self) -> HttpResponseRedirect:
        return redirect(self.queue_url())

    def decide(self, action, success: str, **kwargs) -> HttpResponseRedirect:
        attempt(self.request, lambda: action(self.membership, by=self.request.user, **kwargs),
                success.format(user=self.membership.user, sector=self.membership.sector))
        return self.back()


class ApproveView(DecisionMixin, View):
    def post(self, request, pk: int):
        return self.decide(services.approve_membership, "{user} is now a member of {sector}.")


class ReinstateView(DecisionMixin, View):
    def post(self, request, pk: int):
        return self.decide(services.reinstate_membership, "{user} is reinstated in {sector}.")


class ReasonView(DecisionMixin, FormView):
    """Refusing and suspending both need a reason the person will read."""

    template_name = "reason_form.html"
    action = None
    title = ""
    success = ""

    def get_form(self, form_class=None):
        return ReasonForm(**self.get_form_kwargs(),
                          help_text="The applicant or member sees this reason in their e-mail and on their dashboard.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            membership=self.membership, title=self.title, submit_label=self.title,
            cancel_url=self.queue_url(), subject_template="sectors/_membership_subject.html", **kwargs,
        )

    def form_valid(self, form):
        return self.decide(type(self).action, self.success, reason=form.cleaned_data["reason"])


class RefuseView(ReasonView):
    action = services.refuse_membership
    title = "Refuse application"
    success = "The application from {user} to {sector} is refused; they have been told why."


class SuspendView(ReasonView):
    action = services.suspend_membership
    title = "Suspend member"
    success = "{user} is suspended from {sector}; their access ended now."


class OrganisationDetailView(LoginRequiredMixin, DetailView):
    template_name = "sectors/organisation.html"
    context_object_name = "organisation"

    def get_object(self, queryset=None):
        return permissions.access_organisation(self.request.user, selectors.organisation_profile(), self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_obj = Paginator(selectors.organisation_people(self.object), 25).get_page(self.request.GET.get("page"))
        can_edit = permissions.can_edit_organisation(self.request.user, self.object)
        context.update(
            page_obj=page_obj, people=page_obj.object_list, sectors=list(selectors.organisation_sectors(self.object)),
            can_edit=can_edit, pending_joins=self.object.pending_join_count if can_edit else 0,
            viewer_waiting=not permissions.is_approved_member(self.request.user),
        )
        return context


class OrganisationUpdateView(LoginRequiredMixin, UpdateView):
    form_class = OrganisationForm
    template_name = "sectors/organisation_form.html"

    def get_object(self, queryset=None):
        return permissions.access_organisation_for_edit(self.request.user, self.kwargs["pk"])

    def form_valid(self, form):
        organisation = services.update_organisation(self.object, by=self.request.user, **form.cleaned_data)
        messages.success(self.request, "Organisation profile saved.")
        return redirect(organisation)


class NameOrganisationView(RateLimitedFormMixin, LoginRequiredMixin, FormView):
    """Someone with no organisation (their request to join one was refused, say), or not yet approved anywhere
    (their application was refused, say), registers an organisation or asks to join one."""

    rate_limit_action = "apply"
    form_class = NameOrganisationForm
    template_name = "sectors/name_organisation.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            permissions.require_can_name_organisation(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(current=self.request.user.organisation, **kwargs)

    def form_valid(self, form):
        try:
            join_request = services.name_organisation(self.request.user, **form.cleaned_data)
        except services.MembershipError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        self.request.user.refresh_from_db(fields=["organisation"])  # the service changed it on its own copy
        if join_request is None:
            messages.success(self.request, "Organisation registered: you are its first administrator.")
        else:
            _say_if_waiting(self.request)
        return redirect("sectors:mine")


class JoinRequestQueueView(LoadingMixin, ListView):
    """The requests to join an organisation that this administrator or sector lead may decide on."""

    template_name = "sectors/join_requests.html"
    context_object_name = "join_requests"
    paginate_by = 20

    def test_func(self) -> bool:
        return permissions.can_review_join_requests(self.request.user)

    def get_queryset(self):
        return selectors.join_requests_to_decide(self.request.user)


class JoinDecisionMixin(LoadingMixin):
    """Loads the join request and refuses anyone who may not decide on it."""

    def test_func(self) -> bool:
        return self.request.user.is_authenticated

    def load(self, request, **kwargs) -> None:
        self.join_request = permissions.access_join_decision(request.user, kwargs["pk"])

    def decide(self, action, success: str, **kwargs) -> HttpResponseRedirect:
        attempt(self.request, lambda: action(self.join_request, by=self.request.user, **kwargs),
                success.format(user=self.join_request.user, organisation=self.join_request.organisation))
        return redirect("sectors:join_requests")


class JoinApproveView(JoinDecisionMixin, View):
    def post(self, request, pk: int):
        return self.decide(services.approve_join_request, "{user} now represents {organisation}.")


class JoinRefuseView(JoinDecisionMixin, FormView):
    template_name = "reason_form.html"

    def get_form(self, form_class=None):
        return ReasonForm(**self.get_form_kwargs(),
                          help_text="The person sees this reason in their e-mail and on their memberships page.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            join_request=self.join_request, title="Refuse request to join", submit_label="Refuse request",
            cancel_url=reverse("sectors:join_requests"), subject_template="sectors/_join_request_subject.html",
            **kwargs,
        )

    def form_valid(self, form):
        return self.decide(services.refuse_join_request,
                           "The request from {user} to join {organisation} is refused; they have been told why.",
                           reason=form.cleaned_data["reason"])


class OrganisationPersonActionView(LoadingMixin, View):
    """An administrator's action on one of the organisation's people (POST only), back to its page."""

    action = None
    success = ""

    def test_func(self) -> bool:
        return self.request.user.is_authenticated

    def load(self, request, **kwargs) -> None:
        self.organisation, self.person = permissions.access_organisation_person(request.user, kwargs["pk"],
                                                                                kwargs["person"])

    def post(self, request, pk: int, person: int):
        attempt(request, lambda: type(self).action(self.organisation, person=self.person, by=request.user),
                self.success.format(person=self.person, organisation=self.organisation))
        return redirect(self.organisation)


class AppointAdministratorView(OrganisationPersonActionView):
    action = services.appoint_administrator
    success = "{person} is now an administrator of {organisation}."


class WithdrawAdministratorView(OrganisationPersonActionView):
    action = services.withdraw_administrator
    success = "{person} is no longer an administrator of {organisation}."


class RemovePersonView(OrganisationPersonActionView):
    action = services.remove_person
    success = "{person} no longer represents {organisation}."


# Bridge representatives -------------------------------------------------------------------------------------------


def _member_forms(sector: Sector, query: str) -> tuple:
    """What the lead's member selects need: every member who may be chosen (checked on submit), the first ones
    matching the lead's search (listed), and how many match in all."""
    everyone = selectors.representative_candidates(sector)
    matching = selectors.representative_candidates(sector, query)
    shown = list(matching[:selectors.REPRESENTATIVE_CANDIDATES_SHOWN])
    count = matching.count() if len(shown) == selectors.REPRESENTATIVE_CANDIDATES_SHOWN else len(shown)
    return everyone, shown, count


def _deputy_form(representative, everyone, shown, data=None) -> DeputyForm:
    """One per representative on the page: its own ids, and a label naming whom the deputy stands in for."""
    return DeputyForm(data, candidates=everyone, shown=shown, auto_id=f"id_deputy_{representative.pk}_%s",
                      label=f"Deputy for {representative.user.display_name}")


def _representatives_page(request, sector: Sector, *, query: str = "", name_form: RepresentativeForm | None = None,
                          deputy_form: DeputyForm | None = None, deputy_for: int | None = None):
    """The lead's page: the sector's representatives, each with the forms to set their deputy and to remove them,
    and the form to name one. A form sent back with an error (``name_form``, or ``deputy_form`` for the
    representative ``deputy_for``) is shown bound, its error beside the field. The member selects list the first
    members matching ``query``: the page costs the same few queries however big the sector is."""
    can_manage = permissions.can_manage_representatives(request.user, sector)
    representatives = list(selectors.sector_representatives(sector))
    limit = settings.BRIDGE_REPRESENTATIVES_PER_SECTOR
    context = {"sector": sector, "representatives": representatives, "limit": limit, "can_manage": can_manage,
               "places_left": max(limit - len(representatives), 0), "query": query}
    if can_manage:
        everyone, shown, count = _member_forms(sector, query)
        context.update(shown_count=len(shown), candidate_count=count,
                       name_form=name_form or RepresentativeForm(candidates=everyone, shown=shown))
        for representative in representatives:
            bound = deputy_form if deputy_for == representative.pk else None
            representative.deputy_form = bound or _deputy_form(representative, everyone, shown)
    return render(request, "sectors/representatives.html", context)


class RepresentativesMixin(LoadingMixin):
    """A sector's bridge representatives: its leads and administrators change them (``manage``), officers see
    them too; anyone else is refused (403), as on the sector's other lead pages."""

    manage = True

    def test_func(self) -> bool:
        return self.request.user.is_authenticated

    def load(self, request, **kwargs) -> None:
        self.sector = permissions.access_representatives(request.user, kwargs["slug"], manage=self.manage)

    def page_url(self) -> str:
        return reverse("sectors:representatives", args=[self.sector.slug])

    def query(self) -> str:
        """The lead's member search, carried by each form so that a form sent back lists the same members."""
        return (self.request.POST.get("q") or self.request.GET.get("q") or "").strip()[:100]


class RepresentativesView(RepresentativesMixin, View):
    manage = False

    def get(self, request, slug: str):
        return _representatives_page(request, self.sector, query=self.query())


class NameRepresentativeView(RepresentativesMixin, View):
    def post(self, request, slug: str):
        everyone, shown, _ = _member_forms(self.sector, self.query())
        form = RepresentativeForm(request.POST, candidates=everyone, shown=shown)
        if form.is_valid():
            person = form.cleaned_data["person"]
            try:
                services.name_representative(self.sector, person=person, by=request.user)
            except services.RepresentativeError as error:
                form.add_error("person", str(error))
            else:
                messages.success(request, f"{person} is now a bridge representative of {self.sector}.")
                return redirect(self.page_url())
        return _representatives_page(request, self.sector, query=self.query(), name_form=form)


class RepresentativeMixin(RepresentativesMixin):
    def load(self, request, **kwargs) -> None:
        self.representative = permissions.access_representative(request.user, kwargs["slug"], kwargs["pk"])
        self.sector = self.representative.sector


class RepresentativeDeputyView(RepresentativeMixin, View):
    """Set or change the deputy (``deputy``), or clear it (``clear``)."""

    def post(self, request, slug: str, pk: int):
        representative = self.representative
        if request.POST.get("clear"):
            attempt(request, lambda: services.set_deputy(representative, deputy=None, by=request.user),
                    f"{representative.user} has no deputy now.")
            return redirect(self.page_url())
        everyone, shown, _ = _member_forms(self.sector, self.query())
        form = _deputy_form(representative, everyone, shown, data=request.POST)
        if form.is_valid():
            deputy = form.cleaned_data["deputy"]
            try:
                services.set_deputy(representative, deputy=deputy, by=request.user)
            except services.RepresentativeError as error:
                form.add_error("deputy", str(error))
            else:
                messages.success(request, f"{deputy} is now {representative.user}'s deputy.")
                return redirect(self.page_url())
        return _representatives_page(request, self.sector, query=self.query(), deputy_form=form, deputy_for=pk)


class RemoveRepresentativeView(RepresentativeMixin, View):
    def post(self, request, slug: str, pk: int):
        representative = self.representative
        attempt(request, lambda: services.remove_representative(representative, by=request.user),
                f"{representative.user} is no longer a bridge representative of {self.sector}.")
        return redirect(self.page_url())
