from django import forms

from notifications.models import Preferences

SEVERITY_CHOICES = [
    ("info", "Every bulletin (info and above)"),
    ("advisory", "Advisory, warning and critical"),
    ("warning", "Warning and critical"),
    ("critical", "Critical only"),
]


class PreferencesForm(forms.ModelForm):
    """A member's e-mail preferences. The quiet hours are both given or neither, and may span midnight."""

    class Meta:
        model = Preferences
        fields = ["forum_email", "bulletin_min_severity", "digest", "quiet_from", "quiet_until"]
        labels = {
            "forum_email": "Forum activity by e-mail",
            "bulletin_min_severity": "Bulletins e-mailed as soon as they are published",
            "digest": "Send me a daily digest at 07:00 when something is waiting for it",
            "quiet_from": "Quiet hours from",
            "quiet_until": "Quiet hours until",
        }
        help_texts = {
            "forum_email": "Replies to you, mentions, and new posts where you are watching.",
            "bulletin_min_severity": "The others wait for your daily digest. Critical bulletins and bulletins "
                                     "asking for an acknowledgement are always e-mailed at once, whatever you "
                                     "choose here.",
            "digest": "Bulletins below your choice above and, if you choose it, forum activity, with the "
                      "pre-planned events of the week ahead. Nothing is sent on days with nothing new.",
            "quiet_from": "London time, e.g. 22:00. Leave both empty for no quiet hours.",
            "quiet_until": "London time, e.g. 07:00 (the next morning when it is earlier than the start). "
                           "E-mail is held until then, except critical bulletins.",
        }
        widgets = {
            "forum_email": forms.RadioSelect,
            "bulletin_min_severity": forms.RadioSelect(choices=SEVERITY_CHOICES),
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bulletin_min_severity"].choices = SEVERITY_CHOICES

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("quiet_from"), cleaned.get("quiet_until")
        if "quiet_from" not in self.errors and "quiet_until" not in self.errors:
            if start is not None and end is None:
                self.add_error("quiet_until", "Give the time your quiet hours end too (or clear both times).")
            elif end is not None and start is None:
                self.add_error("quiet_from", "Give the time your quiet hours start too (or clear both times).")
            elif start is not None and start == end:
                self.add_error("quiet_until", "Quiet hours must end at a different time from the one they start.")
        if cleaned.get("forum_email") == Preferences.ForumEmail.DIGEST and cleaned.get("digest") is False:
            self.add_error("digest", "You chose forum activity in the daily digest: keep the digest, or choose "
                                     "“Never” for forum activity.")
        return cleaned
