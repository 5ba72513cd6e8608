"""Members' and officers' check-in pages: the question and the organisation's answer, answering (on the page, from
a toast, by the e-mail's signed link), opening and closing. Each view asks ``permissions`` for its object (one
loader) and does its writing through ``services`` (one action)."""


from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.generic import FormView, TemplateView, View

from accounts.models import User
from common import once
from common.actions import attempt
from common.once import OnceFormMixin
from common.params import object_id
from common.views import LoadingMixin
from messaging.bulletins import permissions as bulletin_permissions
from messaging.bulletins import services as bulletin_services
from messaging.bulletins.models import Incident
from messaging.bulletins.views import MemberRequiredMixin
from messaging.checkins import links, permissions, selectors, services
from messaging.checkins.forms import AnswerForm, OpenCheckInForm
from messaging.checkins.models import CheckIn, Choice
from messaging.checkins.templatetags.checkins import incident_check_ins

# The signed link's confirmation form acts once per render, bound to the link's person (who may not be signed in,
# so common.once's per-user tokens do not apply).
_ONCE_SALT = "hub.checkins.answer-link.once"


class OfficerRequiredMixin(LoadingMixin):
    def test_func(self) -> bool:
        return permissions.can_open(self.request.user)


def _answer_message(result: services.AnswerResult) -> str:
    label = result.answer.choice.label
    if result.outcome is services.Outcome.UNCHANGED:
        return f"“{label}” was already your organisation's answer: nothing changed."
    if result.outcome is services.Outcome.CHANGED:
        return f"Your organisation's answer is now “{label}”."
    return f"Thank you: your organisation's answer “{label}” is recorded."


class CheckInPageMixin:
    """The check-in's page: the question; for a member it asked, their organisation's answer, the form and the
    organisation's history (never another organisation's answer); for officers the tally, the grid's link and
    the close button; once closed, the final tally and no form."""

    template_name = "checkins/detail.html"
    check_in: CheckIn

    def answer_form(self) -> AnswerForm:
        """The form as the page first shows it: the organisation's current answer, or the toast's choice."""
        boroughs = selectors.premises_boroughs(self.request.user.organisation_id)
        current = self.own_answer
        choice = object_id(self.request.GET.get("choice"))
        initial = {"choice": choice if choice in self.choice_ids else (current.choice_id if current else None),
                   "note": current.note if current else "", "borough": current.borough_id if current else None}
        if initial["borough"] is None and len(boroughs) == 1:
            initial["borough"] = boroughs[0].pk
        return AnswerForm(choices=self.choices, boroughs=boroughs, initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        check_in, user = self.check_in, self.request.user
        is_officer = permissions.can_open(user)
        asked = not is_officer and permissions.was_asked(user, check_in)
        self.choices = list(check_in.choices.all())
        self.choice_ids = {choice.pk for choice in self.choices}
        self.own_answer = selectors.organisation_answer(check_in, user.organisation_id) if asked else None
        context.update(check_in=check_in, choices=self.choices, is_officer=is_officer, asked=asked,
                       own_answer=self.own_answer, organisation=user.organisation if asked else None)
        if asked:
            context["history"] = list(selectors.answer_history(check_in, user.organisation_id))
            if check_in.is_open:
                context["form"] = kwargs.get("form") or self.answer_form()
        if is_officer:
            context["tally"] = check_in.final_tally if not check_in.is_open else selectors.tally(check_in)
        elif not check_in.is_open:
            context["tally"] = check_in.final_tally
        return context


class CheckInDetailView(MemberRequiredMixin, CheckInPageMixin, TemplateView):
    def load(self, request, **kwargs) -> None:
        self.check_in = permissions.access_check_in(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        # The question is the carrier's content: reading it here counts as reading the carrier (the inbox links
        # here), as opening the bulletin itself would.
        if self.check_in.carrier is not None:
            bulletin_services.mark_read(self.check_in.carrier, user=request.user)
        return super().get(request, *args, **kwargs)


class AnswerView(MemberRequiredMixin, CheckInPageMixin, TemplateView):
    """POST: the organisation's answer (acting once per rendered form, and the service writes nothing for the
    same answer again: a double click records one). GET ``?choice=<id>``: the form with that answer chosen
    (the toast's buttons lead here; nothing changes until it is sent)."""

    answering: selectors.Answering | None

    def load(self, request, **kwargs) -> None:
        if request.method == "POST":
            try:
                self.answering = permissions.access_answerable(request.user, kwargs["pk"])
            except permissions.CheckInClosed:
                self.answering = None  # closed while the form was open: its page says so (post)
            else:
                self.check_in = self.answering.check_in
                return
        self.check_in = permissions.access_check_in(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if not self.check_in.is_open:
            messages.info(request, "This check-in has closed: answers can no longer be given or changed.")
            return redirect(self.check_in)
        if permissions.can_open(request.user) or not permissions.was_asked(request.user, self.check_in):
            return redirect(self.check_in)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # A valid answer (thousands a minute during an incident) costs the loader's one query, a form checked
        # against what it read and the service, nothing more. The page is built only for a form that comes back
        # with errors, around the whole check-in as the GET reads it (the loader read only what an answer needs).
        answering = self.answering
        if answering is None:
            messages.error(request, "This check-in closed before your answer arrived: it was not recorded, and "
                                    "answers can no longer be given or changed.")
            return redirect(self.check_in)
        form = AnswerForm(data=request.POST, choices=answering.choices, boroughs=answering.boroughs)
        # A page left open past its token's age comes back below with what was typed (claim_for_form says why).
        if form.is_valid() and (outcome := once.claim_for_form(request, form)) is once.Claim.REPEATED:
            return once.refusal(request, outcome, self.check_in.get_absolute_url())
        if not form.is_valid():
            self.check_in = permissions.access_check_in(request.user, self.check_in.pk)
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        attempt(request, lambda: services.answer(self.check_in, answering.organisation, data["choice"],
                                                 data["note"], data["borough"], request.user),
                _answer_message)
        return redirect(self.check_in)


class OpenCheckInView(OnceFormMixin, OfficerRequiredMixin, FormView):
    """Ask "are you affected?": ``?incident=<id>`` (the incident room's link) or ``?bulletin=<id>`` (a published
    bulletin's page). Without either, the page lists the active incidents to start from. Acts once per render."""

    form_class = OpenCheckInForm
    template_name = "checkins/open.html"

    def load(self, request, **kwargs) -> None:
        params = request.POST if request.method == "POST" else request.GET
        self.incident = self.about = None
        if (pk := object_id(params.get("incident"))) is not None:
            self.incident = bulletin_permissions.access_managed_incident(request.user, pk)
        elif (pk := object_id(params.get("bulletin"))) is not None:
            self.about = bulletin_permissions.access_published_bulletin(request.user, pk)

    def once_redirect_url(self) -> str:
        target = self.incident or self.about
        return target.get_absolute_url() if target else self.request.path

    def post(self, request, *args, **kwargs):
        if self.incident is None and self.about is None:
            return redirect("checkins:create")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(incident=self.incident, about=self.about, **kwargs)
        if self.incident is None and self.about is None:
            context["active_incidents"] = list(Incident.objects.filter(status=Incident.Status.ACTIVE)
                                               .order_by("-opened_at")[:20])
        return context

    def act_once(self, form):
        data = form.cleaned_data
        try:
            check_in = services.open_check_in(by=self.request.user, question=data["question"],
                                              choices=data["choices"], incident=self.incident, about=self.about,
                                              deadline=data["deadline"], remind_at=data["remind_at"])
        except services.CheckInError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Check-in opened: the question has gone to "
                                       f"{check_in.carrier.recipient_count} member"
                                       f"{'s' if check_in.carrier.recipient_count != 1 else ''}.")
        return redirect(check_in)


class CloseCheckInView(OfficerRequiredMixin, View):
    """Close: answers are frozen and the final tally kept (once per rendered button)."""

    def load(self, request, **kwargs) -> None:
        self.check_in = permissions.access_managed_check_in(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        if refusal := once.refuse_unless_claimed(request, redirect_to=self.check_in.get_absolute_url()):
            return refusal
        attempt(request, lambda: services.close_check_in(self.check_in, by=request.user),
                lambda closed: f"Check-in closed: {closed.final_tally['answered']} of "
                               f"{closed.final_tally['asked']} organisations answered.")
        return redirect(self.check_in)


class IncidentCheckInsView(MemberRequiredMixin, TemplateView):
    """The incident room's check-ins part, fetched again by static/live.js when ``incident-<id>-checkins`` is
    announced (one opened, closed)."""

    template_name = "checkins/_incident_check_ins_list.html"

    def load(self, request, **kwargs) -> None:
        self.incident = bulletin_permissions.access_incident(request.user, kwargs["pk"])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **incident_check_ins(self.incident, self.request.user)}


class AnswerLinkView(TemplateView):
    """Where the e-mail's one-click answer lands: no login needed (the signature proves who it was sent to), but
    a different signed-in person is refused, and the person must still be one the check-in asks. GET shows the
    confirmation ("Answer … for …?"); only the POST (CSRF and a one-time field) records it. An expired, tampered,
    closed or no longer valid link gets a page saying so, with a 4xx status."""

    template_name = "checkins/answer_link.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.link = links.read_token(kwargs["token"])
        except links.LinkExpired:
            return self.problem("expired", status=410)
        except links.LinkInvalid:
            return self.problem("invalid", status=400)
        self.check_in = CheckIn.objects.select_related("carrier").filter(pk=self.link.check_in_id).first()
        self.choice = Choice.objects.filter(pk=self.link.choice_id, check_in_id=self.link.check_in_id).first()
        if self.check_in is None or self.choice is None:
            return self.problem("gone", status=410)
        self.person = User.objects.select_related("organisation").filter(pk=self.link.person_id,
                                                                        is_active=True).first()
        if request.user.is_authenticated and (self.person is None or request.user.pk != self.person.pk):
            return self.problem("someone_else", status=403)
        if self.person is None or not permissions.was_asked(self.person, self.check_in):
            return self.problem("not_asked", status=403)
        if not self.check_in.is_open:
            return self.problem("closed", status=410)
        self.current = selectors.organisation_answer(self.check_in, self.person.organisation_id)
        return super().dispatch(request, *args, **kwargs)

    def problem(self, reason: str, *, status: int) -> HttpResponse:
        context = {"reason": reason, "check_in": getattr(self, "check_in", None)}
        return TemplateResponse(self.request, "checkins/answer_link_problem.html", context, status=status)

    def _once_field(self) -> str:
        return once.issue_for_link(self.check_in.pk, self.person.pk, salt=_ONCE_SALT)

    def _claim(self, token: str | None) -> once.Claim:
        return once.claim_for_link(token, self.check_in.pk, self.person.pk, salt=_ONCE_SALT)

    def get_context_data(self, **kwargs):
        already = self.current is not None and self.current.choice_id == self.choice.pk
        return super().get_context_data(check_in=self.check_in, choice=self.choice, person=self.person,
                                        organisation=self.person.organisation, current=self.current,
                                        already=already, once_field=self._once_field(), **kwargs)

    def post(self, request, *args, **kwargs):
        if self.current is not None and self.current.choice_id == self.choice.pk:
            return self.render_to_response(self.get_context_data())  # "is recorded": nothing to do
        outcome = self._claim(request.POST.get("answer_once"))
        if outcome is once.Claim.REPEATED:
            messages.info(request, once.REPEATED_MESSAGE)
            return HttpResponseRedirect(request.path)
        if outcome is once.Claim.INVALID:
            return self.render_to_response(self.get_context_data(
                error="This page had expired or was not the one we sent, so nothing was done yet: send it again."))
        # A one-click answer changes the choice only: the note and borough given on the page stay; a first answer
        # takes the organisation's only borough when it has just one.
        note = self.current.note if self.current else ""
        borough = self.current.borough if self.current else None
        if self.current is None:
            boroughs = list(self.person.organisation.boroughs.all()[:2])
            borough = boroughs[0] if len(boroughs) == 1 else None
        try:
            result = services.answer(self.check_in, self.person.organisation, self.choice, note, borough,
                                     self.person)
        except services.CheckInError:
            return self.problem("closed", status=410)
        messages.success(request, _answer_message(result))
        return HttpResponseRedirect(request.path)
