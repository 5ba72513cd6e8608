from django import forms
from django.utils import timezone

from messaging.bulletins.models import Bulletin, Feedback, Incident
from sectors.models import Borough, Sector

AUDIENCE_HELP = (
    "Who receives it: the approved members of the chosen sectors (or of every sector, with “Everyone”). "
    "If you also choose boroughs, only members whose organisation has premises in one of those boroughs."
)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class BulletinForm(forms.ModelForm):
    sectors = forms.ModelMultipleChoiceField(
        queryset=Sector.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, help_text=AUDIENCE_HELP
    )
    boroughs = forms.ModelMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Optional: narrow the audience to organisations with premises in these boroughs.",
    )

    class Meta:
        model = Bulletin
        fields = [
            "kind", "severity", "title", "body", "everyone", "sectors", "boroughs", "starts_at", "ends_at",
            "location", "marking", "ack_requested",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
        }
        help_texts = {
            "body": "Markdown: **bold**, *italic*, lists, links. OFFICIAL-SENSITIVE bodies are never e-mailed.",
            "marking": "OFFICIAL-SENSITIVE bulletins reach members by a link only: never in an e-mail or a pop-up.",
        }

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if len(title) < 3:
            raise forms.ValidationError("Give the bulletin a title of at least 3 characters.")
        return title

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("everyone") and not cleaned.get("sectors"):
            self.add_error("sectors", "Choose at least one sector, or tick “Everyone”.")
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", "The event cannot end before it starts.")
        return cleaned


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(label="Publish at", widget=DateTimeInput())

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        return when


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["body"]
        labels = {"body": "Reply to the police liaison team"}
        help_texts = {"body": "Only officers see this. Tell them what you are seeing or what you need."}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class IncidentForm(forms.ModelForm):
    sectors = forms.ModelMultipleChoiceField(
        queryset=Sector.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to address every member.",
    )
    boroughs = forms.ModelMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Optional: only organisations with premises in these boroughs.",
    )

    class Meta:
        model = Incident
        fields = ["title", "sectors", "boroughs"]


class IncidentUpdateForm(forms.Form):
    title = forms.CharField(max_length=200, min_length=3)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    severity = forms.ChoiceField(choices=Bulletin.Severity.choices, initial=Bulletin.Severity.WARNING)
    marking = forms.ChoiceField(choices=Bulletin.Marking.choices, initial=Bulletin.Marking.OFFICIAL)


class ResolveIncidentForm(forms.Form):
    body = forms.CharField(
        label="Final update", widget=forms.Textarea(attrs={"rows": 3}), max_length=20000,
        help_text="What happened and what members should do now.",
    )
