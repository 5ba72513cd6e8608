from django import forms
from django.utils import timezone

from common.text import clean_text
from messaging.bulletins.forms import DateTimeInput
from messaging.checkins import services
from messaging.checkins.models import DEFAULT_CHOICES, MAX_CHOICES, CheckIn, Choice
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


class AnswerForm(forms.Form):
    """A member's answer for their organisation: one of the check-in's choices, an optional note (plain text),
    and the borough of the premises concerned (one of the organisation's, or any when it has none recorded)."""

    choice = forms.ModelChoiceField(queryset=Choice.objects.none(), empty_label=None,
                                    widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
                                    label="Your organisation's answer",
                                    error_messages={"required": "Choose one of the answers.",
                                                    "invalid_choice": "Choose one of the answers shown."})
    borough = forms.ModelChoiceField(queryset=Borough.objects.none(), required=False,
                                     label="Borough of the premises concerned", empty_label="Not given",
                                     widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                           help_text="Anything the police liaison team should know. Plain text; only the team and "
                                     "your organisation's members see it.")

    def __init__(self, *args, check_in: CheckIn, boroughs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].queryset = check_in.choices.all()
        self.fields["borough"].queryset = boroughs

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])
