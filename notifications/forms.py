from django import forms

from notifications.models import Level


class LevelForm(forms.Form):
    """The level control on a forum's or a thread's page."""

    level = forms.ChoiceField(label="Notifications", choices=Level.choices)
