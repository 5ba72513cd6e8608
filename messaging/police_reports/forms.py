from django import forms

from common.text import clean_text
from messaging.bulletins.audience import visible_incidents
from messaging.bulletins.forms import GroupedMultipleChoiceField, MultiSelect, borough_group
from messaging.police_reports import attachments
from messaging.police_reports.models import PoliceReport, ReportMessage
from sectors.models import Borough

FILES_AGAIN = ("Choose your files again: for your safety, files are not kept when a form comes back with a "
               "problem.")
INCIDENTS_LISTED = 50


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to MAX_ATTACHMENTS files, each checked by its content (``attachments.check_upload``): its cleaned value is
    the list of ``attachments.CleanFile`` to store. Every refused file is named in the errors."""

    widget = MultipleFileInput

    def clean(self, data, initial=None) -> list[attachments.CleanFile]:
        uploads = [upload for upload in (data if isinstance(data, (list, tuple)) else [data]) if upload]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > attachments.max_files():
            raise forms.ValidationError(
                f"Attach at most {attachments.max_files()} files to one report (you chose {len(uploads)}).",
                code="too_many")
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(attachments.check_upload(upload))
            except attachments.AttachmentRefused as refusal:
                errors.append(forms.ValidationError(str(refusal), code="refused"))
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, incident) -> str:
        state = "" if incident.is_active else " (resolved)"
        return f"{incident.title}{state}, opened {incident.opened_at:%-d %b %Y}"


class ReportForm(forms.Form):
    """A member's report. The incident is one the member may see (any other id is an error, never a lookup of
    something they may not know exists); the boroughs are the list's own."""

    kind = forms.ChoiceField(
        label="What are you telling the police?", choices=PoliceReport.Kind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of report this is.",
                        "invalid_choice": "Choose one of the kinds of report listed."})
    boroughs = GroupedMultipleChoiceField(
        queryset=Borough.objects.all(), widget=MultiSelect, group_of=borough_group,
        label="Boroughs concerned",
        help_text="Where it happens or happened: your report reaches the police contacts (SPOCs) of these boroughs.",
        error_messages={"required": "Choose at least one borough.",
                        "invalid_choice": "One of the boroughs sent is not on the list: choose the boroughs again.",
                        "invalid_pk_value": "One of the boroughs sent is not on the list: choose the boroughs again."})
    incident = IncidentChoiceField(
        queryset=None, required=False, label="Related incident (optional)", empty_label="None",
        help_text="If this is about an incident the Hub has told you of, choose it.",
        error_messages={"invalid_choice": "That incident does not exist or is not one you can see: choose one from "
                                          "the list, or none."})
    title = forms.CharField(
        max_length=200, help_text="One line: what and where, such as “Man photographing the staff entrance, "
                                  "Oxford Street”.",
        error_messages={"required": "Give your report a title.",
                        "max_length": "Keep the title to %(limit_value)d characters (it has %(show_value)d)."})
    body = forms.CharField(
        label="What happened", max_length=PoliceReport._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="When, where, who and what you saw; descriptions of people and vehicles; what you have done. "
                  "Markdown: **bold**, *italic*, lists. Only you and police officers see it. In an emergency call 999.",
        error_messages={"required": "Tell the police what happened.",
                        "max_length": "Keep it to %(limit_value)d characters (it has %(show_value)d): attach a PDF "
                                      "for anything longer."})
    files = AttachmentsField(
        label="Photos or documents (optional)", required=False,
        help_text=f"Up to {attachments.MAX_ATTACHMENTS} files: photos (JPEG, PNG, WebP, GIF) or PDFs, "
                  f"{attachments.MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB each. Photos are stored without their "
                  "location and camera details.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        incidents = visible_incidents(user).order_by("-opened_at", "-pk")
        field = self.fields["incident"]
        field.queryset = incidents
        self.fields["files"].widget.attrs["accept"] = ("image/jpeg,image/png,image/webp,image/gif,application/pdf,"
                                                       ".jpg,.jpeg,.png,.webp,.gif,.pdf")
        # The list offers the most recent ones (any visible incident is accepted, as a link from it prefills it):
        # a member who has followed years of incidents is not sent every one of them.
        recent = list(incidents[:INCIDENTS_LISTED])
        chosen = self.initial.get("incident")
        if chosen is not None and all(incident.pk != chosen.pk for incident in recent):
            recent.insert(0, chosen)
        field.widget.choices = [("", field.empty_label), *((incident.pk, field.label_from_instance(incident))
                                                           for incident in recent)]

    def clean_title(self) -> str:
        title = " ".join(clean_text(self.cleaned_data["title"]).split())
        if len(title) < 3:
            raise forms.ValidationError("Give your report a title of at least 3 characters.")
        return title

    def clean_body(self) -> str:
        body = clean_text(self.cleaned_data["body"])
        if len(body) < 10:
            raise forms.ValidationError("Tell the police a little more (at least 10 characters).")
        return body


class MessageForm(forms.ModelForm):
    class Meta:
        model = ReportMessage
        fields = ["body"]
        labels = {"body": "Your message"}
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"body": {"required": "Write a message first.",
                                   "max_length": "Keep a message to %(limit_value)d characters (it has "
                                                 "%(show_value)d)."}}

    def clean_body(self) -> str:
        body = clean_text(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError("Write a message first.")
        return body
