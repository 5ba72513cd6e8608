from django import forms

from accounts.forms import imitates_a_role
from common.text import clean_text
from sectors.models import Borough, Membership, Organisation, OrganisationJoinRequest, Sector

BOROUGHS_HELP = "Where you have premises. Bulletins aimed at a borough reach organisations with premises there."



def validate_new_organisation_name(name: str) -> None:
    """Posts show the author's organisation beside their name: a new or renamed organisation may not pass for the
    police or a role ("Met Police Liaison Unit"). Joining one an administrator created under such a name is fine."""
    if imitates_a_role(name):
        raise forms.ValidationError(
            "An organisation's name can't include words like “Police”, “Met”, “PC”, “Officer” or “Moderator”: "
            "posts show it beside its people's names, and the Hub shows who is an officer with a role badge."
        )

class ApplicationForm(forms.Form):
    """Apply to one or more sectors, joining or creating the organisation on the way if the user has none."""

    sectors = forms.ModelMultipleChoiceField(
        queryset=Sector.objects.all(), widget=forms.CheckboxSelectMultiple,
        help_text="Choose every sector your organisation works in; each is vetted by its own lead.",
    )
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        help_text="What your organisation does in these sectors and why you want to join. Leads read this.",
    )
    organisation_name = forms.CharField(
        max_length=150, required=False, label="Your organisation's name",
        help_text="Its legal or trading name. If it is already on the Hub, its administrators decide whether you "
                  "join it; until they do you have no access to it.",
    )
    registered_number = forms.CharField(max_length=20, required=False, label="Companies House number (optional)")
    website = forms.URLField(required=False, assume_scheme="https")
    boroughs = forms.ModelMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=BOROUGHS_HELP,
    )

    ORGANISATION_FIELDS = ["organisation_name", "registered_number", "website", "boroughs"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.organisation_id or OrganisationJoinRequest.objects.pending().filter(user=user).exists():
            # People belong to one organisation (or wait for one to decide); that is not this form's business.
            for name in self.ORGANISATION_FIELDS:
                del self.fields[name]

    def clean_statement(self) -> str:
        statement = self.cleaned_data["statement"].strip()
        if len(statement) < 10:
            raise forms.ValidationError("Tell the sector lead a little more (at least 10 characters).")
        return statement

    def clean_sectors(self):
        sectors = self.cleaned_data["sectors"]
        taken = Membership.objects.standing().filter(user=self.user, sector__in=sectors).select_related("sector")
        if taken:
            names = ", ".join(sorted(m.sector.name for m in taken))
            raise forms.ValidationError(f"You have already applied to {names}; untick it to apply to the others.")
        return sectors

    def clean_organisation_name(self) -> str:
        name = self.cleaned_data["organisation_name"].strip()
        if name and not Organisation.objects.named(name).exists():
            validate_new_organisation_name(name)
        return name

    def clean(self):
        cleaned = super().clean()
        if ("organisation_name" in self.fields and "organisation_name" not in self.errors
                and not cleaned.get("organisation_name", "").strip()):
            self.add_error("organisation_name", "Give your organisation's name.")
        return cleaned

    def organisation_details(self) -> dict:
        """What the applicant typed about their organisation (nothing when they already have one)."""
        return {name: self.cleaned_data[name] for name in self.ORGANISATION_FIELDS if name in self.cleaned_data}


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "registered_number", "website", "boroughs"]
        widgets = {"boroughs": forms.CheckboxSelectMultiple}
        help_texts = {"boroughs": BOROUGHS_HELP}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Organisation.objects.named(name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another organisation on the Hub already has this name.")
        if name != self.instance.name:
            validate_new_organisation_name(name)
        return name


class NameOrganisationForm(forms.Form):
    """For someone with no organisation: register a new one, or ask to join one already on the Hub."""

    organisation_name = forms.CharField(
        max_length=150, label="Your organisation's name",
        help_text="Its legal or trading name. If it is already on the Hub, its administrators decide whether you "
                  "join it; otherwise you register it and become its first administrator.",
        error_messages={"required": "Give your organisation's name."},
    )
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False,
        label="A word for its administrators (if it is already on the Hub)",
        help_text="Who you are there, so they recognise you.",
    )
    registered_number = forms.CharField(max_length=20, required=False, label="Companies House number (optional)")
    website = forms.URLField(required=False, assume_scheme="https")
    boroughs = forms.ModelMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=BOROUGHS_HELP,
    )

    def clean_organisation_name(self) -> str:
        name = clean_text(self.cleaned_data["organisation_name"])
        if not name:
            raise forms.ValidationError("Give your organisation's name.")
        if not Organisation.objects.named(name).exists():
            validate_new_organisation_name(name)
        return name

    def clean_statement(self) -> str:
        return clean_text(self.cleaned_data["statement"])

    def clean_registered_number(self) -> str:
        return clean_text(self.cleaned_data["registered_number"])


def member_label(person) -> str:
    """How a member is shown in the representatives' lists: name and organisation, no contact details."""
    return f"{person.display_name} · {person.organisation.name}" if person.organisation_id else person.display_name


class _MemberChoiceForm(forms.Form):
    """A choice among the sector's approved members. The field accepts any of them (``candidates``, a queryset,
    checked with one query on submit); the select lists only ``shown`` (the first ones matching the lead's
    search), so the page stays usable however big the sector is, and renders without a query per form."""

    field_name = ""

    def __init__(self, *args, candidates, shown, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[self.field_name]
        field.label = label or field.label
        field.queryset = candidates
        field.widget.choices = [("", "Choose a member…"), *((person.pk, member_label(person)) for person in shown)]


class RepresentativeForm(_MemberChoiceForm):
    field_name = "person"
    person = forms.ModelChoiceField(
        queryset=None, label="Member",
        help_text="An approved member of the sector. Search above if the one you want is not in the list.",
        error_messages={"required": "Choose the member to name.",
                        "invalid_choice": "Choose one of the sector's approved members."},
    )


class DeputyForm(_MemberChoiceForm):
    field_name = "deputy"
    deputy = forms.ModelChoiceField(
        queryset=None, label="Deputy",
        error_messages={"required": "Choose the member who will deputise.",
                        "invalid_choice": "Choose one of the sector's approved members."},
    )
