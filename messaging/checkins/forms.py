from collections.abc import Sequence

from django import forms
from django.db.models import Model
from django.utils import timezone

from common.text import clean_text
from messaging.bulletins.forms import DateTimeInput
from messaging.checkins import services
from messaging.checkins.models import DEFAULT_CHOICES, MAX_CHOICES, Choice
from sectors.models import Borough

QUESTION_HELP = "One short question, such as “Are your premises affected by the closure of Oxford Circus?”."
CHOICES_HELP = (f"Between 2 and {MAX_CHOICES} answers, each different; leave a row empty to drop it. "
                "“Needs police contact” pins the organisations that give that answer at the top of the grid, with "
                "their members' phone numbers.")


class OpenCheckInForm(forms.Form):
    """The question, up to MAX_CHOICES answer rows (label + "needs police contact"), prefilled with the defaults,
    and the optional deadline and reminder time. Empty rows are dropped; the service's rule (2 to 6, all
    different) is checked here too, so that the officer sees it beside the answers with what they typed."""

    question = forms.CharField(label="Question", max_length=services.QUESTION_LENGTH, help_text=QUESTION_HELP,
                               error_messages={"required": "Write the question to ask."},
                               widget=forms.TextInput(attrs={"autocomplete": "off"}))
    deadline = forms.DateTimeField(
        label="Answer by (optional, London time)", required=False, widget=DateTimeInput(),
        help_text="Shown to members; answers are still taken after it until you close the check-in.",
        error_messages={"invalid": "Enter a date and time, such as 25/12/2026 14:30."})
    remind_at = forms.DateTimeField(
        label="Remind those who have not answered at (optional, London time)", required=False,
        widget=DateTimeInput(), help_text="One reminder e-mail to each organisation that has not answered by then.",
        error_messages={"invalid": "Enter a date and time, such as 25/12/2026 13:30."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index in range(1, MAX_CHOICES + 1):
            label, contact = DEFAULT_CHOICES[index - 1] if index <= len(DEFAULT_CHOICES) else ("", False)
            self.fields[f"choice_{index}"] = forms.CharField(
                label=f"Answer {index}", required=False, max_length=Choice._meta.get_field("label").max_length,
                initial=label, widget=forms.TextInput(attrs={"autocomplete": "off"}))
            self.fields[f"contact_{index}"] = forms.BooleanField(
                label="Needs police contact", required=False, initial=contact)

    def choice_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(label, needs contact) pairs, for the template's table of answers."""
        return [(self[f"choice_{index}"], self[f"contact_{index}"]) for index in range(1, MAX_CHOICES + 1)]

    def clean_question(self) -> str:
        question = clean_text(self.cleaned_data["question"])
        if len(question) < 3:
            raise forms.ValidationError("Write the question to ask (at least 3 characters).")
        return question

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline is not None and deadline <= timezone.now():
            raise forms.ValidationError("Choose a deadline in the future.")
        return deadline

    def clean_remind_at(self):
        remind_at = self.cleaned_data.get("remind_at")
        if remind_at is not None and remind_at <= timezone.now():
            raise forms.ValidationError("Choose a reminder time in the future.")
        return remind_at

    def clean(self):
        cleaned = super().clean()
        specs = [services.ChoiceSpec(cleaned.get(f"choice_{index}") or "", cleaned.get(f"contact_{index}", False))
                 for index in range(1, MAX_CHOICES + 1)]
        try:
            cleaned["choices"] = services.check_choices(specs)
        except services.CheckInError as error:
            self.add_error("choice_1", str(error))
        deadline, remind_at = cleaned.get("deadline"), cleaned.get("remind_at")
        if deadline and remind_at and remind_at >= deadline:
            self.add_error("remind_at", "Send the reminder before the deadline, so that there is time to answer.")
        return cleaned


def _offer(field: forms.TypedChoiceField, objects: Sequence[Model], *, empty_label: str | None = None) -> None:
    """Offer these objects, read already, in the field (after an empty choice when ``empty_label`` names it): the
    id sent back is cleaned into its object, with no query."""
    by_id = {str(obj.pk): obj for obj in objects}
    empty = [("", empty_label)] if empty_label is not None else []
    field.choices = [*empty, *((key, str(obj)) for key, obj in by_id.items())]
    field.coerce = by_id.__getitem__  # only ids among the choices get this far: ChoiceField checked them


class AnswerForm(forms.Form):
    """A member's answer for their organisation: one of the check-in's choices, an optional note (plain text),
    and the borough of the premises concerned (one of the organisation's, or any when it has none recorded).

    The view gives the choices and boroughs as lists it has read (a posted answer's loader reads them with the
    check-in, in one query), so that validating an answer asks the database nothing. Cleaned, ``choice`` is a
    Choice and ``borough`` a Borough or None."""

    choice = forms.TypedChoiceField(widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
                                    label="Your organisation's answer",
                                    error_messages={"required": "Choose one of the answers.",
                                                    "invalid_choice": "Choose one of the answers shown."})
    # The message is the one it had as a ModelChoiceField (Django's own).
    borough = forms.TypedChoiceField(required=False, empty_value=None,
                                     label="Borough of the premises concerned",
                                     widget=forms.Select(attrs={"class": "form-select"}),
                                     error_messages={"invalid_choice": "Select a valid choice. That choice is not "
                                                                       "one of the available choices."})
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                           help_text="Anything the police liaison team should know. Plain text; only the team and "
                                     "your organisation's members see it.")

    def __init__(self, *args, choices: Sequence[Choice], boroughs: Sequence[Borough], **kwargs):
        super().__init__(*args, **kwargs)
        _offer(self.fields["choice"], choices)
        _offer(self.fields["borough"], boroughs, empty_label="Not given")

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])


class ChaseAnswerForm(AnswerForm):
    """What an organisation answered on the phone, recorded by the lead who called: the member's form, offering
    the organisation's own boroughs as theirs does, worded for the lead."""

    def __init__(self, *args, choices: Sequence[Choice], boroughs: Sequence[Borough], **kwargs):
        super().__init__(*args, choices=choices, boroughs=boroughs, **kwargs)
        self.fields["choice"].label = "Their answer"
        self.fields["choice"].widget = forms.RadioSelect(choices=self.fields["choice"].choices)
        self.fields["note"].help_text = "Optional: what they told you."
        self.fields["note"].widget.attrs.pop("class", None)  # crispy styles this form's fields
        self.fields["borough"].widget.attrs.pop("class", None)
