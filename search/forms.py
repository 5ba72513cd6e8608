from django import forms

from common.text import clean_text
from search import selectors
from search.models import SearchDocument
from sectors.models import Sector

AUTHOR_MAX_LENGTH = 100


class SearchForm(forms.Form):
    """The search page's form (GET). Nothing typed is refused for being long: the words are cut to
    selectors.MAX_QUERY_LENGTH characters (``was_cut`` says so, and the page tells the reader)."""

    q = forms.CharField(label="Search for", required=False,
                        help_text="Whole words; \"a phrase\" in quotes, or for either word, -word to leave it out.")
    kind = forms.ChoiceField(label="Kind", required=False,
                             choices=[("", "Everything"), *SearchDocument.Kind.choices])
    where = forms.ChoiceField(label="Where", required=False)
    author = forms.CharField(label="Author", required=False, help_text="Part of their name.")
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.was_cut = False
        self.sectors = {sector.slug: sector for sector in Sector.objects.order_by("name")}
        self.fields["where"].choices = [("", "Everywhere"), (selectors.HUB, "Hub forum (cross-sector)"),
                                        *((slug, sector.name) for slug, sector in self.sectors.items())]

    def clean_q(self) -> str:
        text = clean_text(self.cleaned_data["q"])
        if len(text) > selectors.MAX_QUERY_LENGTH:
            self.was_cut = True
            text = text[: selectors.MAX_QUERY_LENGTH]
        return text

    def clean_author(self) -> str:
        return clean_text(self.cleaned_data["author"])[:AUTHOR_MAX_LENGTH]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end of the range is before its start.")
        return cleaned

    def criteria(self) -> selectors.Criteria:
        data = self.cleaned_data
        where = data["where"]
        return selectors.Criteria(
            text=data["q"], kind=data["kind"], author=data["author"], since=data["since"], until=data["until"],
            where=None if not where else (selectors.HUB if where == selectors.HUB else self.sectors[where]),
        )
