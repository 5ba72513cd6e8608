import re
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from common import text
from common.text import Cooked, CookedQuerySet, cook_many, cook_on_save, plain_summary, render_markdown
from common.urls import object_url

SUMMARY_LENGTH = 200
# What every channel that leaves the portal (feeds, ICS, CAP, e-mail, toasts, exports) says in place of an
# OFFICIAL-SENSITIVE bulletin's title, with a link and nothing else of its content (Bulletin.Marking).
SENSITIVE_PLACEHOLDER = "OFFICIAL-SENSITIVE notice: log in to read"
# A notice template's blanks: a lower-case name in braces, such as {route}, {start} or {closures}.
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,39})\}")


def placeholders_in(*texts: str) -> list[str]:
    """The placeholder names left in these texts, sorted."""
    return sorted({name for text in texts for name in PLACEHOLDER.findall(text or "")})


class Incident(models.Model):
    """A developing situation; its timeline is the incident-update bulletins attached to it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RESOLVED = "resolved", "Resolved"

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    sectors = models.ManyToManyField("sectors.Sector", blank=True, related_name="incidents")
    boroughs = models.ManyToManyField("sectors.Borough", blank=True, related_name="incidents")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return object_url("bulletins:incident_detail", self.pk)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class IncidentThreadLink(models.Model):
    """A forum thread an officer linked to an incident: its room lists it (to those who may read the thread)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="thread_links")
    thread = models.ForeignKey("board.Thread", on_delete=models.CASCADE, related_name="incident_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["incident", "thread"], name="one_link_per_incident_and_thread")]

    def __str__(self) -> str:
        return f"{self.thread} linked to {self.incident}"


class BulletinQuerySet(CookedQuerySet):  # bulk writes store the body's HTML too
    def published(self) -> "BulletinQuerySet":
        return self.filter(published_at__isnull=False)

    def due(self, now=None) -> "BulletinQuerySet":
        return self.filter(status=Bulletin.Status.SCHEDULED, scheduled_for__lte=now or timezone.now())

    def editable(self) -> "BulletinQuerySet":
        return self.filter(status__in=Bulletin.EDITABLE)

    def ended(self, now=None) -> "BulletinQuerySet":
        """Published, current (not superseded) bulletins whose event window is over."""
        return self.filter(status=Bulletin.Status.PUBLISHED, ends_at__lt=now or timezone.now())


class Bulletin(models.Model):
    """What an officer publishes to chosen sectors and boroughs (or everyone)."""

    class Kind(models.TextChoices):
        PRE_PLANNING = "pre_planning", "Pre-planning notice"
        INCIDENT_UPDATE = "incident_update", "Incident update"
        ADVICE = "advice", "Advice"
        FRAUD_ALERT = "fraud_alert", "Fraud alert"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        ADVISORY = "advisory", "Advisory"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    class Marking(models.TextChoices):
        OFFICIAL = "official", "OFFICIAL"
        OFFICIAL_SENSITIVE = "official_sensitive", "OFFICIAL-SENSITIVE"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        EXPIRED = "expired", "Expired"  # its event window has ended (services.expire_ended); still readable
        SUPERSEDED = "superseded", "Superseded"
        WITHDRAWN = "withdrawn", "Withdrawn"  # taken back by an officer (services.withdraw_bulletin); still listed

    EDITABLE = (Status.DRAFT, Status.SCHEDULED)
    # What an officer writes (the form's fields but the audience's sectors and boroughs): the draft services
    # take these, and a successor starts from them.
    CONTENT_FIELDS = (
        "kind", "severity", "title", "body", "everyone", "starts_at", "ends_at", "location", "marking",
        "ack_requested",
    )

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PRE_PLANNING)
    severity = models.CharField(max_length=12, choices=Severity.choices, default=Severity.INFO)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)
    everyone = models.BooleanField(default=False, help_text="Every approved member of every sector.")
    sectors = models.ManyToManyField("sectors.Sector", blank=True, related_name="bulletins")
    boroughs = models.ManyToManyField("sectors.Borough", blank=True, related_name="bulletins")
    # People addressed by name, besides (or instead of) sectors: the invitees of a bridge call its summary is
    # for. Still only those of them who are approved members when it is published (audience.recipients).
    named_recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    starts_at = models.DateTimeField("event starts", null=True, blank=True)
    ends_at = models.DateTimeField("event ends", null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    marking = models.CharField(max_length=20, choices=Marking.choices, default=Marking.OFFICIAL)
    ack_requested = models.BooleanField("acknowledgement requested", default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulletins")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    # Its supersedes chain, stored so that a calendar feed keeps one event per chain without walking it: the id of
    # the chain's first bulletin (null on that first one: its own id, see series_root) and its place in the chain
    # (0, 1, 2...). Set by services.create_draft from the bulletin it supersedes.
    series = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    series_position = models.PositiveIntegerField(default=0, editable=False)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="updates")
    # The template it was started from: its {placeholders} must all be filled in before it may be published.
    notice_template = models.ForeignKey("NoticeTemplate", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="bulletins", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept up to date by the publish service, so officers' lists need no per-row counting.
    recipient_count = models.PositiveIntegerField(default=0)
    # The body as plain text, cut for toasts: written with the body (save), so that a live push or a replay of
    # a hundred bulletins renders no Markdown at all. Never sent for OFFICIAL-SENSITIVE (payloads).
    summary = models.CharField(max_length=SUMMARY_LENGTH, blank=True, editable=False)
    # The body's sanitised HTML and the text pipeline's version that made it, written with the body (save), so
    # pages never render Markdown; `manage.py recook` renders again what an older pipeline made.
    body_html = models.TextField(blank=True, editable=False)
    body_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    # The bulletin's place in the live stream: 1, 2, 3... in the order the publishes COMMITTED (LiveStream), so
    # that whoever has seen number n has been able to see every number below it. Null until published.
    sequence = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    # A withdrawal keeps the bulletin where its readers had it (struck through, with the reason): they were told
    # something, and must be told it no longer stands.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", editable=False)
    withdrawal_reason = models.TextField(max_length=2000, blank=True, editable=False)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["published_at", "id"]),
            # The few bulletins that ask for an acknowledgement, newest first (the dashboard's "please acknowledge").
            models.Index(fields=["published_at", "id"], condition=models.Q(ack_requested=True),
                         name="bulletin_ack_requested"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Keep ``summary`` and ``body_html`` in step with ``body`` on every save that writes the body."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.summary = plain_summary(self.body, SUMMARY_LENGTH)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "summary"}
        super().save(*args, **cook_on_save(self, kwargs))

    def get_absolute_url(self) -> str:
        return object_url("bulletins:detail", self.pk)

    @property
    def is_sensitive(self) -> bool:
        return self.marking == self.Marking.OFFICIAL_SENSITIVE

    @property
    def title_outside(self) -> str:
        """What a channel that leaves the portal (e-mail subject, toast, CSV, CAP, feeds) calls it: its title, or
        SENSITIVE_PLACEHOLDER for an OFFICIAL-SENSITIVE bulletin."""
        return SENSITIVE_PLACEHOLDER if self.is_sensitive else self.title

    @property
    def series_root(self) -> int:
        """The id of the first bulletin of its supersedes chain (its own for a first bulletin)."""
        return self.series or self.pk

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    def unfilled_placeholders(self) -> list[str]:
        """The {placeholders} of its template still in its title, body or location (none for a bulletin not
        started from a template: braces in ordinary text are left alone)."""
        if self.notice_template_id is None:
            return []
        return placeholders_in(self.title, self.body, self.location)

    def successor_initial(self) -> dict[str, Any]:
        """What an update superseding this bulletin starts from: the same content and audience, retitled."""
        initial = {field: getattr(self, field) for field in self.CONTENT_FIELDS}
        return {**initial, "title": f"Update: {self.title}", "sectors": self.sectors.all(),
                "boroughs": self.boroughs.all()}


class Delivery(models.Model):
    """One bulletin to one recipient, created when it is published. Its id is the live push's order."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    # The recipient's organisation when it was published (none: they had none): a check-in carried by the
    # bulletin asked that organisation through them, and a member who moves to another organisation does not take
    # the question along (messaging.checkins). Read with the bulletin's rows; indexed for deleting an organisation.
    organisation = models.ForeignKey("sectors.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # E-mailed: on its own by the fan-out, or in the member's daily digest (then digest_at is set too).
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The member's preferences (notifications.rules) kept it out of the fan-out: below their threshold, it was
    # left for the daily digest at this time; in their quiet hours, it is not e-mailed before email_after (the
    # scheduler releases it then: notifications.quiet). Either takes it out of the unsent index below.
    digest_at = models.DateTimeField(null=True, blank=True)
    email_after = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    # What the fan-out sends: not e-mailed, not left for the digest, not held for quiet hours (the index's rows).
    UNSENT = models.Q(emailed_at__isnull=True, digest_at__isnull=True, email_after__isnull=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["bulletin", "user"], name="one_delivery_per_recipient")]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            # The inbox's order (messaging.bulletins.selectors.inbox_keys): unread first, then newest.
            models.Index(models.F("user"), models.ExpressionWrapper(models.Q(read_at__isnull=False),
                                                                    output_field=models.BooleanField()),
                         models.F("created_at").desc(), models.F("id").desc(), name="delivery_inbox"),
            models.Index(fields=["bulletin", "emailed_at"]),
            # The e-mail workers take the next unsent delivery in id order, thousands of times per bulletin (those
            # left for the digest or held for quiet hours are not theirs to send: UNSENT).
            models.Index(fields=["bulletin", "id"], condition=models.Q(emailed_at__isnull=True, digest_at__isnull=True,
                                                                       email_after__isnull=True),
                         name="delivery_unsent"),
            # Held for the end of quiet hours: the scheduler releases those due every round.
            models.Index(fields=["email_after"], condition=models.Q(email_after__isnull=False,
                                                                    emailed_at__isnull=True),
                         name="delivery_held"),
            # Left for a member's digest and neither read nor e-mailed yet: the digest's candidates and content.
            models.Index(fields=["user", "digest_at"], condition=models.Q(digest_at__isnull=False,
                                                                         emailed_at__isnull=True, read_at__isnull=True),
                         name="delivery_for_digest"),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} -> {self.user}"


class FeedbackQuerySet(CookedQuerySet):
    """Feedback stores two texts' HTML, the member's body and the officer's answer: the bulk writes cook both."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        cook_many(objs, **Feedback.ANSWER_COOKING)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "answer" in fields:
            objs = list(objs)
            cook_many(objs, **Feedback.ANSWER_COOKING)
            fields = [*fields, "answer_html", "answer_html_version"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if "answer" in kwargs and "answer_html" not in kwargs:
            if not isinstance(kwargs["answer"], str):
                raise TypeError("An answer set by an SQL expression would have no HTML: save() it.")
            kwargs.update(answer_html=str(render_markdown(kwargs["answer"])),
                          answer_html_version=text.PIPELINE_VERSION)
        return super().update(**kwargs)

    def unanswered(self) -> "FeedbackQuerySet":
        """Replies no officer has dealt with yet (answered or marked handled)."""
        return self.filter(handled_at__isnull=True)


class Feedback(models.Model):
    """A member's reply to a bulletin. Officers see every reply; the member sees their own, and the answer an
    officer gives them (privately: nobody else sees either)."""

    ANSWER_COOKING = {"source": "answer", "html_field": "answer_html", "version_field": "answer_html_version"}

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=5000)
    # Its sanitised HTML, written with the body (see Bulletin.body_html).
    body_html = models.TextField(blank=True, editable=False)
    body_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # An officer's private answer (services.answer_feedback), stored cooked like the body.
    answer = models.TextField(max_length=5000, blank=True)
    answer_html = models.TextField(blank=True, editable=False)
    answer_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    # Dealt with: answered, or marked handled without an answer. Unhandled replies are the officers' queue.
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        indexes = [
            # The navigation counts the unhandled replies on every officer's page: an index of those rows only.
            models.Index(fields=["created_at"], condition=models.Q(handled_at__isnull=True),
                         name="feedback_unhandled"),
            # A member's own replies on a bulletin's page.
            models.Index(fields=["bulletin", "author"], name="feedback_by_author"),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.bulletin} from {self.author}"

    def save(self, *args, **kwargs) -> None:
        kwargs = cook_on_save(self, kwargs)
        super().save(*args, **cook_on_save(self, kwargs, **self.ANSWER_COOKING))

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def answer_text(self) -> Cooked:
        """The answer for the ``cooked`` filter: ``{{ feedback.answer_text|cooked }}`` shows its stored HTML."""
        return Cooked(self.answer_html)


class NoticeTemplate(models.Model):
    """A recurring notice (a march, a state funeral, a fraud alert, a change of threat level) an officer starts
    new bulletins from: its content and audience, with {placeholders} to fill in each time."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Bulletin.Kind.choices, default=Bulletin.Kind.PRE_PLANNING)
    severity = models.CharField(max_length=12, choices=Bulletin.Severity.choices, default=Bulletin.Severity.INFO)
    marking = models.CharField(max_length=20, choices=Bulletin.Marking.choices, default=Bulletin.Marking.OFFICIAL)
    ack_requested = models.BooleanField("acknowledgement requested", default=False)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)
    location = models.CharField(max_length=200, blank=True)
    everyone = models.BooleanField(default=False)
    sectors = models.ManyToManyField("sectors.Sector", blank=True, related_name="+")
    boroughs = models.ManyToManyField("sectors.Borough", blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # What a new bulletin takes from the template (Bulletin.CONTENT_FIELDS, less the event's times).
    CONTENT_FIELDS = ("kind", "severity", "marking", "ack_requested", "title", "body", "location", "everyone")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def placeholders(self) -> list[str]:
        return placeholders_in(self.title, self.body, self.location)

    def bulletin_initial(self) -> dict[str, Any]:
        """What a bulletin started from this template starts with."""
        return {**{field: getattr(self, field) for field in self.CONTENT_FIELDS},
                "sectors": self.sectors.all(), "boroughs": self.boroughs.all()}


class LiveStream(models.Model):
    """One row: the last sequence number given to a published bulletin. The publish service takes it under a
    row lock as its transaction's last step, and the lock is held until commit, so numbers are handed out in
    commit order with no gaps (a rolled-back publish gives its number back)."""

    last_sequence = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"live stream at {self.last_sequence}"


class SensitiveView(models.Model):
    """One opening of an OFFICIAL-SENSITIVE bulletin's page: who read it, when (messaging.bulletins.sensitive).
    Officers see the list on the delivery report."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="sensitive_views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at", "-pk"]
        indexes = [models.Index(fields=["bulletin", "-viewed_at", "-id"], name="sensitive_view_newest")]

    def __str__(self) -> str:
        return f"{self.user} read {self.bulletin} at {self.viewed_at:%Y-%m-%d %H:%M}"


class PartnerToken(models.Model):
    """A partner system's key to the bulletins' CAP 1.2 documents (``Authorization: Bearer <key>``). Only the
    key's SHA-256 digest is stored: the key is shown once, in the admin, when the token is created
    (messaging.bulletins.partners). Deactivate to revoke: the key then answers 404."""

    name = models.CharField(max_length=120, unique=True, help_text="The partner system, as the admins know it.")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name  # never the key (nor its digest): this string goes into the audit log and the admin
