from django import forms

from common.text import clean_text
from messaging.board.models import BODY_MAX_LENGTH, Forum

BODY_HELP = ("Markdown: **bold**, *italic*, > quote, - lists, [links](https://…). No images or HTML. "
             "Mention someone who reads this forum with @ and their name, underscores for spaces: @Sam_Patel.")


def _clean_text(value: str, what: str) -> str:
    value = clean_text(value)
    if not value:
        raise forms.ValidationError(f"Write a {what}.")
    return value


class PostForm(forms.Form):
    body = forms.CharField(
        label="Your reply", widget=forms.Textarea(attrs={"rows": 6}), max_length=BODY_MAX_LENGTH, help_text=BODY_HELP,
        error_messages={"required": "Write something before posting."},
    )

    def clean_body(self) -> str:
        return _clean_text(self.cleaned_data["body"], "message")


class ThreadForm(PostForm):
    title = forms.CharField(max_length=200, error_messages={"required": "Give the thread a title."})

    field_order = ["title", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = "Message"

    def clean_title(self) -> str:
        return _clean_text(self.cleaned_data["title"], "title")


class MoveForm(forms.Form):
    forum = forms.ModelChoiceField(queryset=Forum.objects.none(), label="Move to",
                                   error_messages={"required": "Choose the forum to move it to."})
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Recorded in both forums' moderation logs.")

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])

    def __init__(self, *args, forums, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = forums
