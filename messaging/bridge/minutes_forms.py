"""The chair's forms: a decision or action, and the summary's choices. Each says what is wrong beside the field."""

from django import forms

from common.text import clean_text
from messaging.bridge import minutes
from messaging.bridge.models import BridgeCall, Outcome
from messaging.bulletins.models import Bulletin
from sectors.models import Organisation, Sector


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class OutcomeForm(forms.Form):
    """A decision or an action, with an optional owner (a sector or one of the invitees' organisations) and, for an
    action, an optional due time in London time."""

    prefix = "outcome"  # ids on the roll call page, beside the page's other forms

    kind = forms.ChoiceField(choices=Outcome.Kind.choices, initial=Outcome.Kind.DECISION, widget=forms.RadioSelect,
                             label="Decision or action")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           label="What was decided, or who is to do what",
                           help_text="Markdown: **bold**, *italic*, lists, links.",
                           error_messages={"required": "Say what was decided or who is to do what."})
    owner_sector = forms.ModelChoiceField(queryset=Sector.objects.order_by("name"), required=False,
                                          label="Owner: a sector", empty_label="(no sector)")
    owner_organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False,
                                                label="or an organisation on the call", empty_label="(no organisation)")
    due_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Due (London time)",
                                 help_text="Actions only: leave it empty for a decision.")

    def __init__(self, *args, call: BridgeCall, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        # The organisations of the people invited (and of their deputies and delegates): a short list that names
        # everyone who could own an action, not every organisation in the portal.
        people = call.invitations.values_list("user__organisation", "deputy__organisation", "delegate__organisation")
        self.fields["owner_organisation"].queryset = Organisation.objects.filter(
            pk__in=[org for row in people for org in row if org is not None]).order_by("name")

    def clean_text(self) -> str:
        text = clean_text(self.cleaned_data["text"])
        if not text:
            raise forms.ValidationError("Say what was decided or who is to do what.")
        return text

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("owner_sector") and cleaned.get("owner_organisation"):
            self.add_error("owner_organisation", "Name one owner: a sector or an organisation, not both.")
        due_at = cleaned.get("due_at")
        if due_at is not None:
            if cleaned.get("kind") != Outcome.Kind.ACTION:
                self.add_error("due_at", "Only an action has a due time: leave it empty for a decision.")
            elif due_at < self.call.starts_at:
                self.add_error("due_at", "This is before the call started: check the date.")
        return cleaned


class SummaryForm(forms.Form):
    """Whom the summary goes to, how it is marked, and whether its readers are asked to acknowledge it."""

    audience = forms.ChoiceField(widget=forms.RadioSelect, label="Send the summary to",
                                 error_messages={"required": "Choose whom the summary goes to."})
    severity = forms.ChoiceField(choices=Bulletin.Severity.choices, initial=Bulletin.Severity.INFO)
    marking = forms.ChoiceField(choices=Bulletin.Marking.choices, initial=Bulletin.Marking.OFFICIAL,
                                help_text="OFFICIAL-SENSITIVE summaries reach people by a link only: never in an "
                                          "e-mail or a pop-up.")
    ack_requested = forms.BooleanField(required=False, label="Ask each recipient to acknowledge it")

    def __init__(self, *args, call: BridgeCall, reach: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        reach = reach or {}

        def reaching(label: str, key: str) -> str:
            return f"{label} ({reach[key]} member{'s' if reach[key] != 1 else ''})" if key in reach else label

        choices = []
        wide = minutes.incident_audience_label(call)
        if wide:
            choices.append((minutes.Audiences.INCIDENT, reaching(wide[0].upper() + wide[1:], "incident")))
        choices.append((minutes.Audiences.INVITEES, reaching(
            "The invitees only (with their deputies and delegates)", "invitees")))
        self.fields["audience"].choices = choices
        self.fields["audience"].initial = choices[0][0]
