import re

from django import forms
from django.utils import timezone

from common.forms import ReasonForm
from common.text import clean_text
from messaging.bridge import selectors
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins.forms import (
    DateTimeInput,
    GroupedMultipleChoiceField,
    MultiSelect,
    borough_group,
    sector_group,
)
from messaging.bulletins.models import Incident
from sectors.models import Borough, Sector

# A telephone number as people write one: digits, spaces, "+", brackets and dashes; at least 6 digits.
PHONE = re.compile(r"\+?[0-9 ()\-]{5,40}")
PIN = re.compile(r"[0-9]{4,12}")
PIN_MESSAGE = "The access PIN is 4 to 12 digits, nothing else (no spaces or letters)."
HTTPS_MESSAGE = "The join link must start with https://"
MAX_NAMED = 200
# Named members may be written one a line, or separated by commas, semicolons or spaces (a pasted list).
ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


def capacity_message(count: int, capacity: int) -> str:
    return (f"This call would invite {count} people but its capacity is {capacity}: narrow the sectors or "
            "boroughs, or raise the capacity.")


def invitee_summary(count: int) -> str:
    return f"This will invite {count} {'person' if count == 1 else 'people'}"


def named_members(text: str) -> tuple[list, list[str]]:
    """The approved members named by e-mail address in ``text`` (one a line; commas, semicolons and spaces
    work too), in the order typed, and the addresses that are not one."""
    addresses = [address.lower() for address in ADDRESS_SEPARATORS.split(clean_text(text or "")) if address]
    addresses = list(dict.fromkeys(addresses))[:MAX_NAMED + 1]  # each once; more than allowed is refused anyway
    if len(addresses) > MAX_NAMED:
        raise forms.ValidationError(f"Name at most {MAX_NAMED} members.")
    found = {person.email.lower(): person for person in selectors.approved_members().filter(
        email__in=addresses).select_related("organisation")}
    return [found[address] for address in addresses if address in found], [
        address for address in addresses if address not in found]


class CallForm(forms.ModelForm):
    """Scheduling or editing a call; the view passes ``user`` (the chair by default). After ``is_valid()``,
    ``invitees`` is who it would invite (selectors.plan_invitees), checked against the capacity."""

    starts_at = forms.DateTimeField(
        label="Start (London time)", widget=DateTimeInput(),
        error_messages={"required": "Choose when the call starts.",
                        "invalid": "Enter a date and time, such as 25/12/2026 09:30."})
    join_url = forms.URLField(label="Join link", required=False, max_length=200, assume_scheme="https",
                              widget=forms.TextInput(attrs={"inputmode": "url"}),
                              help_text="Optional: a video link, starting with https://",
                              error_messages={"invalid": "Enter the whole link, starting with https://"})
    chair = forms.ModelChoiceField(queryset=selectors.officers(), help_text="The officer who runs the call.",
                                   error_messages={"invalid_choice": "Choose an officer as the chair."})
    co_chairs = forms.ModelMultipleChoiceField(
        queryset=selectors.officers(), required=False, widget=MultiSelect,
        help_text="Optional: officers who see the roll call and may record decisions and actions.")
    incident = forms.ModelChoiceField(queryset=Incident.objects.none(), required=False,
                                      help_text="Optional: the incident this call is about.")
    bulletin = forms.ModelChoiceField(
        queryset=selectors.published_notices(), required=False, label="Pre-planning notice",
        help_text="Optional: the published pre-planning notice this call is about.",
        error_messages={"invalid_choice": "Choose a published pre-planning notice."})
    sectors = GroupedMultipleChoiceField(
        queryset=Sector.objects.all(), required=False, widget=MultiSelect, group_of=sector_group,
        help_text="The bridge representatives of these sectors are invited (with their deputies).")
    boroughs = GroupedMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=MultiSelect, group_of=borough_group,
        help_text="Optional: only representatives whose organisation has premises in these boroughs.")
    named = forms.CharField(
        label="Named members", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: e-mail addresses of approved members to invite as well, one a line.")

    class Meta:
        model = BridgeCall
        fields = ["title", "starts_at", "duration_minutes", "dial_in", "access_pin", "join_url", "chair",
                  "co_chairs", "agenda", "capacity", "incident", "bulletin", "sectors", "boroughs"]
        widgets = {
            "dial_in": forms.Textarea(attrs={"rows": 2}),
            "agenda": forms.Textarea(attrs={"rows": 8}),
            "access_pin": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }
        help_texts = {
            "dial_in": "One telephone number a line: digits, spaces, +, brackets and dashes. Only invitees, "
                       "their deputies and delegates, and officers see it.",
            "access_pin": "4 to 12 digits. Shown with the numbers, to the same people only.",
            "agenda": "Markdown: **bold**, *italic*, lists, links.",
            "capacity": "The most people the bridge takes: a call inviting more is refused.",
        }
        error_messages = {
            "duration_minutes": {"min_value": "A call lasts at least 5 minutes.",
                                 "max_value": "A call lasts at most 8 hours (480 minutes).",
                                 "invalid": "Give the expected length in minutes, such as 45."},
            "capacity": {"min_value": "A call has room for at least 2 people.",
                         "max_value": "A bridge takes at most 500 people.",
                         "invalid": "Give the capacity as a number of people, such as 50."},
            "access_pin": {"max_length": PIN_MESSAGE, "required": "Give the access PIN callers type."},
            "dial_in": {"required": "Give at least one dial-in number."},
            "title": {"required": "Give the call a title."},
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitees: list[selectors.Invitee] | None = None
        self.named_people: list = []
        # Active incidents, and the call's own even if it has been resolved since, so that an edit still validates.
        incidents = Incident.objects.filter(status=Incident.Status.ACTIVE)
        if self.instance.pk and self.instance.incident_id:
            incidents = Incident.objects.filter(pk__in=incidents.values("pk")) | Incident.objects.filter(
                pk=self.instance.incident_id)
        self.fields["incident"].queryset = incidents.order_by("-opened_at", "-pk")
        if self.instance.pk is None and user is not None and "chair" not in self.initial:
            self.initial["chair"] = user.pk
        if self.instance.pk:
            self.initial.setdefault("named", "\n".join(
                self.instance.invitations.filter(sector__isnull=True).order_by("user__email")
                .values_list("user__email", flat=True)))
            self.fields["starts_at"].initial = self.instance.starts_at

    # Fields ------------------------------------------------------------------------------------------------

    def clean_title(self) -> str:
        title = clean_text(self.cleaned_data["title"])
        if len(title) < 3:
            raise forms.ValidationError("Give the call a title of at least 3 characters.")
        return title

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        unchanged = self.instance.pk and self.instance.starts_at == starts_at
        if not unchanged and starts_at <= timezone.now():
            raise forms.ValidationError("The start is in the past: choose a time in the future (London time).")
        return starts_at

    def clean_dial_in(self) -> str:
        lines = [line.strip() for line in clean_text(self.cleaned_data["dial_in"]).splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("Give at least one dial-in number.")
        wrong = [line for line in lines if not PHONE.fullmatch(line) or sum(c.isdigit() for c in line) < 6]
        if wrong:
            raise forms.ValidationError(
                "Not a telephone number: " + ", ".join(f"“{line[:40]}”" for line in wrong[:5])
                + ". Use digits, spaces, +, brackets and dashes, one number a line.")
        return "\n".join(lines)

    def clean_access_pin(self) -> str:
        pin = self.cleaned_data["access_pin"].strip()
        if not PIN.fullmatch(pin):
            raise forms.ValidationError(PIN_MESSAGE)
        return pin

    def clean_join_url(self) -> str:
        url = self.cleaned_data["join_url"].strip()
        if url and not url.lower().startswith("https://"):
            raise forms.ValidationError(HTTPS_MESSAGE)
        return url

    def clean_agenda(self) -> str:
        return clean_text(self.cleaned_data["agenda"])

    def clean_named(self) -> list:
        found, unknown = named_members(self.cleaned_data["named"])
        if unknown:
            raise forms.ValidationError(
                "Not an approved member of the Hub: " + ", ".join(unknown[:10])
                + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
                + ". Check the address, or leave them out.")
        self.named_people = found
        return found

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("sectors") and not self.named_people and "named" not in self.errors:
            self.add_error("sectors", "Choose at least one sector, or name the members to invite.")
        if self.errors:
            return cleaned
        self.invitees = selectors.plan_invitees([sector.pk for sector in cleaned["sectors"]],
                                                [borough.pk for borough in cleaned["boroughs"]], self.named_people)
        capacity = cleaned.get("capacity")
        if capacity is not None and len(self.invitees) > capacity:
            self.add_error("capacity", capacity_message(len(self.invitees), capacity))
        return cleaned

    def call_fields(self) -> dict:
        """What the services take: the cleaned choices under their names."""
        data = dict(self.cleaned_data)
        data["named"] = self.named_people
        return data


class RsvpForm(forms.Form):
    """Accept, decline, or send a delegate: someone of the invitee's organisation (``delegates``)."""

    response = forms.ChoiceField(
        label="Your answer", widget=forms.RadioSelect,
        choices=[(Invitation.Response.ACCEPTED, "Accept: I will join"),
                 (Invitation.Response.DECLINED, "Decline: nobody will join for us"),
                 (Invitation.Response.DELEGATED, "Send a delegate from my organisation")],
        error_messages={"required": "Choose accept, decline or send a delegate.",
                        "invalid_choice": "Choose accept, decline or send a delegate."})
    delegate = forms.ModelChoiceField(
        queryset=selectors.User.objects.none(), required=False, label="Delegate",
        help_text="An approved member of your organisation: they receive the invitation and the dial-in details.",
        error_messages={"invalid_choice": "Choose an approved member of your organisation as the delegate."})

    def __init__(self, *args, delegates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if delegates is not None:
            self.fields["delegate"].queryset = delegates
        self.fields["delegate"].label_from_instance = lambda person: f"{person.display_name} ({person.email})"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("response") == Invitation.Response.DELEGATED and not cleaned.get("delegate") \
                and "delegate" not in self.errors:
            self.add_error("delegate", "Choose who will join in your place.")
        return cleaned


class CancelCallForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, label="Why is it cancelled?",
                         help_text="Every invitee reads this in the cancellation e-mail and on the call's page.",
                         **kwargs)
