from django import forms
from django.db.models.functions import Lower

from sectors.models import Borough, Membership, Organisation, Sector

BOROUGHS_HELP = "Where you have premises. Bulletins aimed at a borough reach organisations with premises there."


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
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False, label="Join an existing organisation",
        help_text="If your organisation is already on the Hub, pick it here.",
    )
    new_organisation = forms.CharField(
        max_length=150, required=False, label="Or register a new organisation",
        help_text="Its legal or trading name.",
    )
    registered_number = forms.CharField(max_length=20, required=False, label="Companies House number (optional)")
    website = forms.URLField(required=False, assume_scheme="https")
    boroughs = forms.ModelMultipleChoiceField(
        queryset=Borough.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=BOROUGHS_HELP,
    )

    ORGANISATION_FIELDS = ["organisation", "new_organisation", "registered_number", "website", "boroughs"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.organisation_id:
            # People belong to one organisation; changing it is the organisation page's business.
            for name in self.ORGANISATION_FIELDS:
                del self.fields[name]

    def clean_statement(self) -> str:
        statement = self.cleaned_data["statement"].strip()
        if len(statement) < 10:
            raise forms.ValidationError("Tell the sector lead a little more (at least 10 characters).")
        return statement

    def clean_sectors(self):
        sectors = self.cleaned_data["sectors"]
        taken = Membership.objects.filter(user=self.user, sector__in=sectors).select_related("sector")
        if taken:
            names = ", ".join(sorted(m.sector.name for m in taken))
            raise forms.ValidationError(f"You have already applied to {names}; untick it to apply to the others.")
        return sectors

    def clean_new_organisation(self) -> str:
        name = self.cleaned_data.get("new_organisation", "").strip()
        if name and Organisation.objects.annotate(lower=Lower("name")).filter(lower=name.lower()).exists():
            raise forms.ValidationError(f"{name} is already on the Hub: choose it from the list above to join it.")
        return name

    def clean(self):
        cleaned = super().clean()
        if self.user.organisation_id:
            return cleaned
        existing, new = cleaned.get("organisation"), cleaned.get("new_organisation")
        if existing and new:
            self.add_error("new_organisation", "Either join an existing organisation or register a new one, not both.")
        elif not existing and not new and "new_organisation" not in self.errors:
            self.add_error("organisation", "Choose your organisation, or register a new one below.")
        return cleaned

    def get_organisation(self) -> Organisation:
        """The organisation to apply with, created here when the applicant registers a new one."""
        if self.user.organisation_id:
            return self.user.organisation
        if self.cleaned_data.get("organisation"):
            return self.cleaned_data["organisation"]
        organisation = Organisation.objects.create(
            name=self.cleaned_data["new_organisation"],
            registered_number=self.cleaned_data.get("registered_number", ""),
            website=self.cleaned_data.get("website", ""),
        )
        organisation.boroughs.set(self.cleaned_data.get("boroughs") or [])
        return organisation


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="The applicant or member sees this reason in their e-mail and on their dashboard.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "registered_number", "website", "boroughs"]
        widgets = {"boroughs": forms.CheckboxSelectMultiple}
        help_texts = {"boroughs": BOROUGHS_HELP}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Organisation.objects.annotate(lower=Lower("name")).filter(lower=name.lower())
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another organisation on the Hub already has this name.")
        return name
