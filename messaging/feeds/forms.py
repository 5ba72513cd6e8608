from datetime import date

from django import forms

from sectors.models import Borough, Sector

# The months the month view goes to (a calendar, not a date arithmetic test).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class CalendarFilterForm(forms.Form):
    """The calendar's choices, from the query string: what to show (list or month, upcoming or past) and which
    sector's or borough's events. A value that is not one of ours is said beside the field and ignored."""

    view = forms.ChoiceField(choices=[("list", "List"), ("month", "Month")], required=False)
    month = forms.CharField(required=False, help_text="Year and month, such as 2026-12.")
    past = forms.BooleanField(required=False, label="Past events")
    sector = forms.ModelChoiceField(Sector.objects.all(), to_field_name="slug", required=False,
                                    empty_label="All sectors",
                                    help_text="Events for this sector, including those for every sector.")
    borough = forms.ModelChoiceField(Borough.objects.all(), to_field_name="slug", required=False,
                                     empty_label="All boroughs",
                                     help_text="Events in this borough, including those for all of London.")

    def clean_month(self) -> date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError("Give the month as year and month, such as 2026-12.") from None

    def choice(self, name: str):
        """The field's value when it is valid, else its empty value (a bad filter shows everything)."""
        if not self.is_valid() and name in self.errors:
            return None
        return self.cleaned_data.get(name)
