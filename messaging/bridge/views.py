"""The bridge call pages: the list, a call's page, scheduling, editing and cancelling (officers), answering an
invitation (on the page, or from the e-mail's signed link), and the invitation's calendar file. Each view asks
``permissions`` for its object (one loader) and writes through ``services`` (one action)."""


from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View

from accounts import roles
from common import once
from common.actions import attempt
from common.once import OnceFormMixin
from common.params import object_id
from common.views import LoadingMixin
from messaging.bridge import ics, links, permissions, selectors, services
from messaging.bridge.forms import CallForm, CancelCallForm, RsvpForm, capacity_message, named_members
from messaging.bridge.models import Invitation
from messaging.bulletins import permissions as bulletin_permissions
from messaging.bulletins.views import MemberRequiredMixin
from sectors.models import Borough, Sector

CHOICE_RESPONSES = {"accept": Invitation.Response.ACCEPTED, "decline": Invitation.Response.DECLINED,
                    "delegate": Invitation.Response.DELEGATED}
MAX_IDS = 200


class OfficerRequiredMixin(LoadingMixin):
    def test_func(self) -> bool:
        return permissions.can_schedule(self.request.user)


def _delegates_for(invitation: Invitation):
    return selectors.organisation_members(invitation.user.organisation_id, exclude=[invitation.user_id])


# The list and a call's page -----------------------------------------------------------------------------------


class CallListView(MemberRequiredMixin, TemplateView):
    """Upcoming calls (soonest first), then past ones (latest first): each list paginated on its own."""

    template_name = "bridge/list.html"
    paginate_by = 20

    def get_context_data(self, **kwargs):
        user, now = self.request.user, timezone.now()
        visible = selectors.with_own_invitation(permissions.visible_calls(user), user)
        upcoming = Paginator(selectors.upcoming_calls(visible, now), self.paginate_by).get_page(
            self.request.GET.get("upcoming"))
        past = Paginator(selectors.past_calls(visible, now), self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(upcoming=upcoming, past=past, can_schedule=permissions.can_schedule(user),
                                        **kwargs)

    def get_template_names(self) -> list[str]:
        # The lists alone, fetched again live (data-live-part="bridge-calls") when a call is scheduled or changes.
        return ["bridge/_lists.html"] if self.request.GET.get("fragment") == "lists" else [self.template_name]


class CallPageMixin:
    """A call's page: what everyone who may see it sees; the dial-in details for the people it admits and
    officers; the viewer's own invitation with its answer form; for officers the answers counted and the actions."""

    template_name = "bridge/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        call, user = self.call, self.request.user
        admitting = permissions.admitting_invitation(user, call)
        own = selectors.answerable_invitation(user, call)
        is_officer = roles.is_officer(user)
        context.update(
            call=call, admitting=admitting, own=own, is_officer=is_officer,
            can_see_dial_in=permissions.can_see_dial_in(user, call, admitting),
            dial_in_lines=call.dial_in.splitlines(), co_chairs=list(call.co_chairs.all()),
            can_chair=is_officer and call.is_chaired_by(user), now=timezone.now(),
            answerable=own is not None and not call.is_cancelled and not call.has_ended(),
        )
        if own is not None and "rsvp_form" not in context:
            context["rsvp_form"] = RsvpForm(initial={"response": own.response if own.response != "pending" else None,
                                                     "delegate": own.delegate_id},
                                            delegates=_delegates_for(own))
        if is_officer:
            context["counts"] = selectors.response_counts(call)
        return context


class CallDetailView(MemberRequiredMixin, CallPageMixin, TemplateView):
    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_call(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if request.GET.get("fragment") == "status":
            # The live part of the page (data-live-part="call-<id>"), fetched again when the call changes.
            return TemplateResponse(request, "bridge/_call_status.html", self.get_context_data())
        return super().get(request, *args, **kwargs)


class RsvpView(MemberRequiredMixin, CallPageMixin, TemplateView):
    """The invitee's (or deputy's) answer from the call's page; a form that will not do comes back on that page."""

    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.invitation = permissions.access_own_invitation(request.user, kwargs["pk"])
        self.call = self.invitation.call

    def post(self, request, pk: int):
        form = RsvpForm(request.POST, delegates=_delegates_for(self.invitation))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(rsvp_form=form))
        if refusal := once.refuse_unless_claimed(request, redirect_to=self.call.get_absolute_url()):
            return refusal
        try:
            changed = services.respond(self.invitation, by=request.user, response=form.cleaned_data["response"],
                                       delegate=form.cleaned_data.get("delegate"))
        except services.BridgeCallError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(rsvp_form=form))
        messages.success(request, _answer_message(form.cleaned_data, changed))
        return redirect(self.call)


def _answer_message(cleaned: dict, changed: bool) -> str:
    if not changed:
        return "That was already your answer: nothing changed."
    if cleaned["response"] == Invitation.Response.DELEGATED:
        return f"Thank you: {cleaned['delegate'].display_name} will join in your place, and has been sent the details."
    return "Thank you: your answer is recorded" + (
        ". You will get a reminder before the start." if cleaned["response"] == Invitation.Response.ACCEPTED else ".")


class InvitationCalendarView(MemberRequiredMixin, View):
    """The invitation as a calendar file, with the dial-in details: for the people the call admits and officers."""

    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_call(request.user, kwargs["pk"])
        invitation = permissions.admitting_invitation(request.user, self.call)
        if not permissions.can_see_dial_in(request.user, self.call, invitation):
            raise PermissionDenied("The calendar of a call is for the people it invites.")

    def get(self, request, pk: int):
        body = ics.build(self.call, list(selectors.invitations_of(self.call)),
                         method=ics.CANCEL if self.call.is_cancelled else ics.REQUEST)
        method = ics.CANCEL if self.call.is_cancelled else ics.REQUEST
        response = HttpResponse(body, content_type=f"text/calendar; method={method}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ics.filename(self.call)}"'
        return response


# Officers: schedule, edit, cancel -------------------------------------------------------------------------------


class CallFormMixin:
    """The schedule/edit form: "Check invitees" (a POST with ``preview``) shows who would be invited, and acts on
    nothing; the other button saves (once per render, common.once)."""

    form_class = CallForm
    template_name = "bridge/form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request, *args, **kwargs):
        if "preview" in request.POST:
            form = self.get_form()
            if not form.is_valid():
                return self.form_invalid(form)
            return self.render_to_response(self.get_context_data(form=form, preview=form.invitees))
        return super().post(request, *args, **kwargs)

    def refused(self, form, error: services.BridgeCallError):
        message = str(error)
        form.add_error("capacity" if "capacity" in message else "starts_at" if "past" in message else None, message)
        return self.form_invalid(form)


class ScheduleCallView(OnceFormMixin, OfficerRequiredMixin, CallFormMixin, FormView):
    """Schedule a call; ``?incident=<id>`` or ``?bulletin=<id>`` (a published pre-planning notice) starts it for
    that incident or notice, with its audience's sectors and boroughs."""

    def once_redirect_url(self) -> str:
        return self.request.path.rsplit("new/", 1)[0]

    def load(self, request, **kwargs) -> None:
        params = request.GET
        incident_pk, bulletin_pk = object_id(params.get("incident")), object_id(params.get("bulletin"))
        self.incident = (bulletin_permissions.access_managed_incident(request.user, incident_pk)
                         if incident_pk is not None else None)
        self.notice = (bulletin_permissions.access_managed_bulletin(request.user, bulletin_pk)
                       if bulletin_pk is not None else None)
        if self.notice is not None and not selectors.published_notices().filter(pk=self.notice.pk).exists():
            messages.warning(request, "A call can only be for a published pre-planning notice: that one is not.")
            self.notice = None

    def get_initial(self):
        initial = super().get_initial()
        about = self.incident or self.notice
        if self.incident is not None:
            initial["incident"] = self.incident.pk
        if self.notice is not None:
            initial["bulletin"] = self.notice.pk
        if about is not None:
            initial.update(title=f"Bridge call: {about.title}"[:200], sectors=list(about.sectors.all()),
                           boroughs=list(about.boroughs.all()))
        return initial

    def act_once(self, form):
        try:
            call = services.schedule_call(by=self.request.user, **form.call_fields())
        except services.BridgeCallError as error:
            return self.refused(form, error)
        count = call.invitations.count()
        messages.success(self.request, f"Call scheduled: {count} {'person' if count == 1 else 'people'} invited. "
                                       "The invitations are on their way.")
        return redirect(call)


class EditCallView(OnceFormMixin, OfficerRequiredMixin, CallFormMixin, FormView):
    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_managed_call(request.user, kwargs["pk"])

    def once_redirect_url(self) -> str:
        return self.call.get_absolute_url()

    def get(self, request, *args, **kwargs):
        if self.call.is_cancelled or self.call.has_ended():
            messages.info(request, "This call has " + ("been cancelled" if self.call.is_cancelled else "ended")
                          + ": it can no longer be changed.")
            return redirect(self.call)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.call}

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call, **kwargs)

    def act_once(self, form):
        try:
            services.update_call(self.call, by=self.request.user, **form.call_fields())
        except services.BridgeCallError as error:
            return self.refused(form, error)
        messages.success(self.request, "Call saved. Everyone invited is sent what changed.")
        return redirect(self.call)


class CancelCallView(OnceFormMixin, OfficerRequiredMixin, FormView):
    form_class = CancelCallForm
    template_name = "reason_form.html"

    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_managed_call(request.user, kwargs["pk"])

    def once_redirect_url(self) -> str:
        return self.call.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"Cancel “{self.call.title}”", call=self.call, submit_label="Cancel the call",
            cancel_url=self.call.get_absolute_url(), subject_template="bridge/_cancel_subject.html", **kwargs)

    def act_once(self, form):
        attempt(self.request, lambda: services.cancel_call(self.call, by=self.request.user,
                                                           reason=form.cleaned_data["reason"]),
                "Call cancelled: everyone invited is told, with your reason.")
        return redirect(self.call)


def _ids(values: list[str], model) -> list:
    ids = [pk for pk in (object_id(value) for value in values[:MAX_IDS]) if pk is not None]
    return list(model.objects.filter(pk__in=ids)) if ids else []


class InviteeCountView(OfficerRequiredMixin, View):
    """How many people the schedule form's choices invite, as a small HTML fragment (static/bridge_form.js
    updates the form with it as sectors and boroughs change)."""

    def get(self, request):
        params = request.GET
        sectors, boroughs = _ids(params.getlist("sectors"), Sector), _ids(params.getlist("boroughs"), Borough)
        try:
            named, unknown = named_members(params.get("named", ""))
        except forms.ValidationError:
            named, unknown = [], []
        invitees = selectors.plan_invitees([s.pk for s in sectors], [b.pk for b in boroughs], named)
        capacity = object_id(params.get("capacity"))
        over = capacity is not None and len(invitees) > capacity
        return TemplateResponse(request, "bridge/_invitee_count.html", {
            "count": len(invitees), "capacity": capacity, "unknown": unknown,
            "over_message": capacity_message(len(invitees), capacity) if over else ""})


# The e-mail's one-click answer ----------------------------------------------------------------------------------

_ONCE_SALT = "hub.bridge.rsvp-once"


class RsvpLinkView(TemplateView):
    """Where an e-mail's RSVP link lands: no login needed (the signature proves who it was sent to), but a
    different signed-in person is refused. GET shows the choice; only the POST (CSRF and a one-time token) changes
    the answer. An expired, tampered, cancelled or withdrawn invitation gets a page saying so."""

    template_name = "bridge/rsvp_link.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.link = links.read_token(kwargs["token"])
        except links.LinkExpired:
            return self.problem("expired", status=410)
        except links.LinkInvalid:
            return self.problem("invalid", status=400)
        self.invitation = (Invitation.objects.select_related("call__chair", "user__organisation", "delegate")
                           .filter(pk=self.link.invitation_id).first())
        if self.invitation is None or self.link.person_id not in (self.invitation.user_id, self.invitation.deputy_id):
            return self.problem("withdrawn", status=410)
        self.call = self.invitation.call
        self.person = get_user_model().objects.filter(pk=self.link.person_id, is_active=True).first()
        if self.person is None:
            return self.problem("withdrawn", status=410)
        if request.user.is_authenticated and request.user.pk != self.person.pk:
            return self.problem("someone_else", status=403)
        if self.call.is_cancelled:
            return self.problem("cancelled", status=410)
        if self.call.has_ended():
            return self.problem("ended", status=410)
        return super().dispatch(request, *args, **kwargs)

    def problem(self, reason: str, *, status: int) -> HttpResponse:
        context = {"reason": reason, "call": getattr(self, "call", None), "person": getattr(self, "person", None)}
        return TemplateResponse(self.request, "bridge/rsvp_problem.html", context, status=status)

    def _once_field(self) -> str:
        return once.issue_for_link(self.invitation.pk, self.person.pk, salt=_ONCE_SALT)

    def _claim(self, token: str | None) -> once.Claim:
        return once.claim_for_link(token, self.invitation.pk, self.person.pk, salt=_ONCE_SALT)

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            choice = CHOICE_RESPONSES.get(self.request.GET.get("choice", ""))
            kwargs["form"] = RsvpForm(initial={"response": choice or (
                self.invitation.response if self.invitation.response != "pending" else None),
                "delegate": self.invitation.delegate_id}, delegates=_delegates_for(self.invitation))
        return super().get_context_data(
            call=self.call, invitation=self.invitation, person=self.person, once_field=self._once_field(),
            as_deputy=self.person.pk != self.invitation.user_id, starts=timezone.localtime(self.call.starts_at),
            **kwargs)

    def post(self, request, *args, **kwargs):
        form = RsvpForm(request.POST, delegates=_delegates_for(self.invitation))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        outcome = self._claim(request.POST.get("rsvp_once"))
        if outcome is once.Claim.REPEATED:
            messages.info(request, once.REPEATED_MESSAGE)
            return HttpResponseRedirect(request.path)
        if outcome is once.Claim.INVALID:
            form.add_error(None, "This page had expired or was not the one we sent, so nothing was done yet: check "
                                 "your answer and send it again.")
            return self.render_to_response(self.get_context_data(form=form))
        try:
            changed = services.respond(self.invitation, by=self.person, response=form.cleaned_data["response"],
                                       delegate=form.cleaned_data.get("delegate"))
        except services.BridgeCallError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _answer_message(form.cleaned_data, changed))
        return HttpResponseRedirect(request.path)

