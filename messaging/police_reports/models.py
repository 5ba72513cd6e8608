import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.text import cook_on_save

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class PoliceReportQuerySet(models.QuerySet):
    def open(self) -> "PoliceReportQuerySet":
        return self.exclude(status=PoliceReport.Status.CLOSED)


class PoliceReport(models.Model):
    """A member telling the police something. Only its author and officers ever see it."""

    class Kind(models.TextChoices):
        SUSPICIOUS_ACTIVITY = "suspicious_activity", "Suspicious activity"
        CRIME_TREND = "crime_trend", "Crime trend or pattern"
        INCIDENT_INFORMATION = "incident_information", "Information about an incident"
        QUESTION = "question", "Question for the police"

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)
    body_html = models.TextField(blank=True, editable=False)
    body_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    boroughs = models.ManyToManyField("sectors.Borough", related_name="+")
    incident = models.ForeignKey("bulletins.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="police_reports")
    # The author's organisation when they wrote it (they may move on; the report stays where it came from).
    organisation = models.ForeignKey("sectors.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="assigned_police_reports")
    # The officers it was routed to when it arrived: its boroughs' SPOCs and deputies, or the central liaison
    # officers when none of its boroughs has one.
    routed_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="routed_police_reports")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The bulletin an officer drafted from it (the author's identity is never copied into it).
    bulletin = models.ForeignKey("bulletins.Bulletin", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", editable=False)

    objects = PoliceReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["author", "status"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **cook_on_save(self, kwargs))

    def get_absolute_url(self) -> str:
        return reverse("police_reports:detail", args=[self.pk])


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Stored under a random name: what the member called the file is kept in ``original_name`` only, so that
    no name they choose ever becomes a path."""
    return f"police_reports/{instance.report_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A photo or PDF on a report, validated by its content when uploaded (images re-encoded without their
    metadata), stored outside the static tree, served only through a permission-checked view."""

    report = models.ForeignKey(PoliceReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ReportMessage(models.Model):
    """A private message on a report, between its author and the officers."""

    report = models.ForeignKey(PoliceReport, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=5000)
    body_html = models.TextField(blank=True, editable=False)
    body_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Message on {self.report} from {self.author}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **cook_on_save(self, kwargs))
