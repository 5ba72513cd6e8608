"""The chair's pages: the roll call (with the decisions and actions), and the summary.

The chair and the co-chairs keep them; any other officer may look at a call's roll call (read only: officers see
every call anyway, and a colleague taking over needs to see where it stands). Members never see them (403)."""

from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View

from accounts import roles
from common.once import OnceFormMixin
from common.text import render_markdown
from common.views import LoadingMixin
from messaging.bridge import minutes, permissions
from messaging.bridge.minutes_forms import OutcomeForm, SummaryForm
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins import selectors as bulletin_selectors
from messaging.bulletins.models import Bulletin

FRAGMENT_HEADER = "X-Requested-With"  # static/roll_call.js sends "fetch": answer with the part, not a redirect


class OfficerRequiredMixin(LoadingMixin):
    def test_func(self) -> bool:
        return roles.is_officer(self.request.user)


def roll_call_url(call: BridgeCall) -> str:
    return reverse("bridge:roll_call", args=[call.pk])


class RollCallPageMixin:
    """The roll call page's context: invitees by sector with their answers and attendance, the counts, the
    decisions and actions, and (for the chair and co-chairs, while the minutes are open) the forms."""

    template_name = "bridge/roll_call.html"
    call: BridgeCall
    can_keep: bool = False

    def roll_call_context(self) -> dict:
        call = self.call
        minutes_open = not call.is_cancelled and call.summary_bulletin_id is None
        can_edit = self.can_keep and minutes_open
        return {
            "call": call,
            "can_keep": self.can_keep,
            "minutes_open": minutes_open,
            "can_edit": can_edit,
            "can_tick": can_edit and timezone.now() >= call.starts_at - minutes.ROLL_CALL_OPENS_BEFORE,
        }

    def roll_context(self) -> dict:
        # Named members (no sector) after the sectors' representatives, whatever the database does with nulls.
        invitations = (self.call.invitations
                       .select_related("user__organisation", "sector", "deputy", "delegate__organisation")
                       .order_by(F("sector__name").asc(nulls_last=True), "user__display_name", "pk"))
        return {**self.roll_call_context(), "invitations": list(invitations),
                "counts": minutes.attendance_counts(self.call)}

    def outcomes_context(self) -> dict:
        return {**self.roll_call_context(), "outcomes": minutes.summary_outcomes(self.call)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.roll_context())
        context.update(self.outcomes_context())
        if context["can_edit"]:
            context["outcome_form"] = kwargs.get("outcome_form") or OutcomeForm(call=self.call)
        return context

    def fragment(self, name: str, **extra):
        if name == "roll":
            return render(self.request, "bridge/_roll_call.html", {**self.roll_context(), **extra})
        return render(self.request, "bridge/_outcomes.html", {**self.outcomes_context(), **extra})


class RollCallView(OfficerRequiredMixin, RollCallPageMixin, TemplateView):
    """GET: the page; ?fragment=roll or ?fragment=outcomes: one of its live parts (static/live.js fetches them
    again when another chair changes something)."""

    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_managed_call(request.user, kwargs["pk"])
        self.can_keep = permissions.can_chair(request.user, self.call)

    def get(self, request, *args, **kwargs):
        fragment = request.GET.get("fragment")
        if fragment in ("roll", "outcomes"):
            return self.fragment(fragment)
        return super().get(request, *args, **kwargs)


class AttendanceView(OfficerRequiredMixin, RollCallPageMixin, View):
    """Tick or untick one invitee. From static/roll_call.js the answer is the roll call's part, with what was
    refused said in it; from a plain form post, the page again."""

    can_keep = True

    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_chaired_call(request.user, kwargs["pk"])
        self.invitation = get_object_or_404(Invitation.objects.select_related("call"), call=self.call,
                                            pk=kwargs["invitation_pk"])

    def post(self, request, *args, **kwargs):
        attended = request.POST.get("attended") == "1"
        refusal = None
        try:
            minutes.mark_attended(self.invitation, attended, by=request.user)
        except minutes.MinutesError as error:
            refusal = str(error)
        if request.headers.get(FRAGMENT_HEADER) == "fetch":
            self.call.refresh_from_db()
            return self.fragment("roll", refusal=refusal)
        if refusal:
            messages.error(request, refusal)
        return redirect(f"{roll_call_url(self.call)}#invitation-{self.invitation.pk}")


class OutcomeCreateView(OnceFormMixin, OfficerRequiredMixin, RollCallPageMixin, FormView):
    """Record a decision or action; what will not do comes back on the roll call page, beside its field, with
    what was typed. Once per rendered form: a double click records it once."""

    form_class = OutcomeForm
    can_keep = True

    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_chaired_call(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        return redirect(roll_call_url(self.call))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "call": self.call}

    def once_redirect_url(self) -> str:
        return roll_call_url(self.call) + "#outcomes"

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        return super().get_context_data(outcome_form=form, **kwargs)

    def act_once(self, form):
        data = form.cleaned_data
        try:
            outcome = minutes.record_outcome(
                self.call, kind=data["kind"], text=data["text"], owner_sector=data["owner_sector"],
                owner_organisation=data["owner_organisation"], due_at=data["due_at"], by=self.request.user)
        except minutes.MinutesError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"{outcome.get_kind_display()} recorded.")
        return redirect(roll_call_url(self.call) + "#outcomes")


class OutcomeDeleteView(OfficerRequiredMixin, View):
    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_chaired_call(request.user, kwargs["pk"])
        self.outcome = get_object_or_404(self.call.outcomes.select_related("call"), pk=kwargs["outcome_pk"])

    def post(self, request, *args, **kwargs):
        try:
            minutes.delete_outcome(self.outcome, by=request.user)
        except minutes.MinutesError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{self.outcome.get_kind_display()} deleted.")
        return redirect(roll_call_url(self.call) + "#outcomes")


class SummaryView(OnceFormMixin, OfficerRequiredMixin, FormView):
    """GET: the summary as it will read, and the choices (whom to, severity, marking, acknowledgement), each
    audience with the number of members it reaches; POST: publish it, once."""

    form_class = SummaryForm
    template_name = "bridge/summary.html"

    def load(self, request, **kwargs) -> None:
        self.call = permissions.access_chaired_call(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.call.summary_bulletin_id is not None:
            messages.info(request, "The summary of this call has already been published.")
            return redirect(self.published_url())
        return super().get(request, *args, **kwargs)

    def published_url(self) -> str:
        return (self.call.incident.get_absolute_url() if self.call.incident_id
                else reverse("bulletins:detail", args=[self.call.summary_bulletin_id]))

    def reach(self) -> dict[str, int]:
        """How many members each choice of audience reaches (as the publish would count them)."""
        counts = {}
        for choice in minutes.Audiences.ALL:
            try:
                audience, _ = minutes.summary_audience(self.call, choice)
            except minutes.MinutesError:
                continue
            counts[choice] = bulletin_selectors.audience_preview(audience)["members"]
        return counts

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "call": self.call,
                "reach": self.reach() if self.request.method == "GET" else None}

    def once_redirect_url(self) -> str:
        return roll_call_url(self.call)

    def get_context_data(self, **kwargs):
        outcomes = minutes.summary_outcomes(self.call)
        return super().get_context_data(
            call=self.call, outcomes=outcomes, started=timezone.now() >= self.call.starts_at,
            title=minutes.summary_title(self.call),
            preview=render_markdown(minutes.summary_body(self.call, outcomes)) if outcomes else "", **kwargs)

    def act_once(self, form):
        data = form.cleaned_data
        try:
            summary = minutes.publish_summary(self.call, by=self.request.user, audience=data["audience"],
                                              ack_requested=data["ack_requested"], severity=data["severity"],
                                              marking=data["marking"])
        except minutes.MinutesError as error:
            messages.error(self.request, str(error))
            return redirect(roll_call_url(self.call))
        reached = Bulletin.objects.filter(pk=summary.pk).values_list("recipient_count", flat=True).first() or 0
        messages.success(self.request, f"Summary published to {reached} member{'s' if reached != 1 else ''}.")
        self.call.summary_bulletin_id = summary.pk
        return redirect(self.published_url())
