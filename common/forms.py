from django import forms

from common.text import clean_text


class ReasonForm(forms.Form):
    """The one form that asks for a reason someone else will read: refusing, suspending, rejecting, reporting."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             error_messages={"required": "Give a reason."})

    def __init__(self, *args, label: str = "Reason", help_text: str = "", required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
        self.fields["reason"].required = required

    def clean_reason(self) -> str:
        reason = clean_text(self.cleaned_data["reason"])
        if self.fields["reason"].required and not reason:
            raise forms.ValidationError("Give a reason.")
        return reason
