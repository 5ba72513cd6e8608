from collections.abc import Iterable
from urllib.parse import urlsplit

from django import forms
from django.forms.models import ModelChoiceIterator
from django.urls import Resolver404, resolve
from django.utils import timezone

from common.forms import ReasonForm
from common.text import clean_text
from messaging.bulletins.models import Bulletin, Feedback, Incident, NoticeTemplate
from sectors.models import Borough, Sector

AUDIENCE_HELP = (
    "Who receives it: the approved members of the chosen sectors (or of every sector, with “Everyone”). "
    "If you also choose boroughs, only members whose organisation has premises in one of those boroughs."
)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


# How the compose form groups its long lists (the multi-select, static/multiselect.js, shows them as groups).
SECTOR_GROUPS = {
    "Finance and business": {
        "banking-and-finance", "insurance", "legal", "property-and-facilities-management", "construction",
        "business-improvement-districts", "technology",
    },
    "Retail, hospitality and leisure": {
        "retail", "hotels-and-hospitality", "entertainment-and-events", "sports-grounds", "tourism-and-attractions",
        "night-time-economy",
    },
    "Infrastructure": {"transport", "utilities", "telecoms", "energy-and-fuel", "logistics-and-distribution"},
    "Public life and services": {
        "education", "health", "faith", "charities-and-ngos", "media-and-broadcasting",
        "pharmaceuticals-and-life-sciences", "private-security",
    },
}
# Inner London as the London Government Act 1963 draws it, with the City.
INNER_LONDON = {
    "city-of-london", "camden", "greenwich", "hackney", "hammersmith-and-fulham", "islington",
    "kensington-and-chelsea", "lambeth", "lewisham", "southwark", "tower-hamlets", "wandsworth", "westminster",
}


def sector_group(sector: Sector) -> str:
    return next((group for group, slugs in SECTOR_GROUPS.items() if sector.slug in slugs), "Other sectors")


def borough_group(borough: Borough) -> str:
    return "City and Inner London" if borough.slug in INNER_LONDON else "Outer London"


class GroupedChoiceIterator(ModelChoiceIterator):
    """The field's choices as (group, choices) pairs, groups in their first member's order: the widget renders
    each group under its heading. Validation still reads the queryset."""

    def __iter__(self):
        groups: dict[str, list] = {}
        for obj in self.queryset:
            groups.setdefault(self.field.group_of(obj), []).append(self.choice(obj))
        yield from groups.items()


class GroupedMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = GroupedChoiceIterator

    def __init__(self, *args, group_of, **kwargs):
        self.group_of = group_of
        super().__init__(*args, **kwargs)


class MultiSelect(forms.CheckboxSelectMultiple):
    """Checkboxes in a compact, scrollable box (templates/bulletins/_multiselect.html, hub.css);
    static/multiselect.js adds a search, "Select all" and "Clear", and a count. Without JS they stay plain
    checkboxes that work."""

    is_multiselect = True


class BulletinForm(forms.ModelForm):
    sectors = GroupedMultipleChoiceField(
        queryset=Sector.objects.all(), required=False, widget=MultiSelect, help_text=AUDIENCE_HELP,
        group_of=sector_group,
    )
    boroughs = GroupedMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=MultiSelect,
        help_text="Optional: narrow the audience to organisations with premises in these boroughs.",
        group_of=borough_group,
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


class NoticeTemplateForm(forms.ModelForm):
    sectors = GroupedMultipleChoiceField(
        queryset=Sector.objects.all(), required=False, widget=MultiSelect, help_text=AUDIENCE_HELP,
        group_of=sector_group,
    )
    boroughs = GroupedMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=MultiSelect,
        help_text="Optional: narrow the audience to organisations with premises in these boroughs.",
        group_of=borough_group,
    )

    class Meta:
        model = NoticeTemplate
        fields = ["name", "kind", "severity", "title", "body", "location", "everyone", "sectors", "boroughs",
                  "marking", "ack_requested"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "name": "How officers will find it, such as “March: central London” or “Change of threat level”.",
            "title": "Placeholders in braces are filled in for each notice: {route}, {start}, {closures}.",
            "body": "Markdown, with placeholders such as {route}, {start} and {closures}: a bulletin started from "
                    "this template cannot be published until each one is replaced.",
        }

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("everyone") and not cleaned.get("sectors"):
            self.add_error("sectors", "Choose at least one sector, or tick “Everyone”.")
        return cleaned


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(label="Publish at (London time)", widget=DateTimeInput(attrs={"class": "form-control"}),
                               error_messages={"required": "Choose when to publish it.",
                                               "invalid": "Enter a date and time, such as 25/12/2026 09:30."})

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        return when


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
        help_text="Only this member sees it: on the bulletin's page and by e-mail. Markdown works.",
        error_messages={"required": "Write an answer, or mark the reply handled instead."},
    )

    def clean_answer(self) -> str:
        answer = clean_text(self.cleaned_data["answer"])
        if not answer:
            raise forms.ValidationError("Write an answer, or mark the reply handled instead.")
        return answer


class WithdrawForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, label="Why is it withdrawn?",
                         help_text="Everyone it reached reads this beside the struck-through bulletin.", **kwargs)


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
    prefix = "update"  # the incident page shows it beside the resolve form: field ids must not clash

    title = forms.CharField(max_length=200, min_length=3)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    severity = forms.ChoiceField(choices=Bulletin.Severity.choices, initial=Bulletin.Severity.WARNING)
    marking = forms.ChoiceField(choices=Bulletin.Marking.choices, initial=Bulletin.Marking.OFFICIAL)


class ResolveIncidentForm(forms.Form):
    prefix = "resolve"

    body = forms.CharField(
        label="Final update", widget=forms.Textarea(attrs={"rows": 3}), max_length=20000,
        help_text="What happened and what members should do now.",
    )


class IncidentThreadLinkForm(forms.Form):
    """An officer links a forum thread to an incident by pasting its address (or typing its number)."""

    prefix = "link"

    thread = forms.CharField(
        label="Forum thread", max_length=500,
        help_text="Paste the thread's address (such as https://…/forums/threads/42/) or type its number.",
        error_messages={"required": "Paste the thread's address or type its number."},
    )

    def __init__(self, *args, hosts: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.hosts = {host.lower() for host in hosts if host}

    def clean_thread(self) -> int:
        value = clean_text(self.cleaned_data["thread"])
        if value.isdigit() and len(value) <= 18:
            return int(value)
        parts = urlsplit(value)
        if parts.netloc and parts.netloc.lower() not in self.hosts:
            raise forms.ValidationError("That is not an address on this portal: paste the address of one of its "
                                        "forum threads.")
        try:
            match = resolve(parts.path or "/")
        except Resolver404:
            match = None
        if match is None or match.view_name != "board:thread":
            raise forms.ValidationError("That is not the address of a forum thread: open the thread and copy the "
                                        "address from the browser.")
        return int(match.kwargs["pk"])
