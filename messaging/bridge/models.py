import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.text import Cooked, cook_on_save

DEFAULT_CAPACITY = 50
PIN_VALIDATOR = RegexValidator(r"^[0-9]{4,12}$", "The access PIN is 4 to 12 digits, nothing else.")


class BridgeCallQuerySet(models.QuerySet):
    def upcoming(self, now: datetime | None = None) -> "BridgeCallQuerySet":
        """Scheduled calls that have not ended yet (a call under way is still upcoming for its invitees)."""
        now = now or timezone.now()
        return self.filter(status=BridgeCall.Status.SCHEDULED, ends_at__gt=now)

    def past(self, now: datetime | None = None) -> "BridgeCallQuerySet":
        return self.filter(status=BridgeCall.Status.SCHEDULED, ends_at__lte=now or timezone.now())


class BridgeCall(models.Model):
    """A cross-sector conference call chaired by an officer, for an incident, a pre-planning notice, or alone."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    incident = models.ForeignKey("bulletins.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="bridge_calls")
    bulletin = models.ForeignKey("bulletins.Bulletin", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="bridge_calls", help_text="The pre-planning notice it is about.")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        "expected length (minutes)", default=60, validators=[MinValueValidator(5), MaxValueValidator(480)])
    # Kept with the start, so that "upcoming" and "past" are one comparison in the database.
    ends_at = models.DateTimeField(editable=False)
    dial_in = models.TextField("dial-in number(s)", max_length=500, help_text="One number per line.")
    access_pin = models.CharField("access PIN", max_length=12, validators=[PIN_VALIDATOR])
    join_url = models.URLField("join link", blank=True, help_text="Optional; https only.")
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chaired_calls")
    co_chairs = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="co_chaired_calls")
    agenda = models.TextField(max_length=10000, blank=True)
    agenda_html = models.TextField(blank=True, editable=False)
    agenda_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    capacity = models.PositiveSmallIntegerField(default=DEFAULT_CAPACITY,
                                                validators=[MinValueValidator(2), MaxValueValidator(500)])
    # Whom the officer invited, kept for the record and for the edit form; the invitations are the truth.
    sectors = models.ManyToManyField("sectors.Sector", blank=True, related_name="+")
    boroughs = models.ManyToManyField("sectors.Borough", blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    # The iCalendar identity: one UID for the call's whole life, SEQUENCE raised on every change invitees see.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", editable=False)
    cancellation_reason = models.TextField(max_length=2000, blank=True, editable=False)
    # Claimed by the scheduler in one conditional UPDATE, so that two schedulers send each once.
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    start_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    summary_bulletin = models.OneToOneField("bulletins.Bulletin", null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="summary_of_call", editable=False)

    objects = BridgeCallQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"]), models.Index(fields=["status", "ends_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.ends_at = self.starts_at + timedelta(minutes=self.duration_minutes)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"starts_at", "duration_minutes"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "ends_at"}
        super().save(*args, **cook_on_save(self, kwargs, source="agenda", html_field="agenda_html",
                                           version_field="agenda_html_version"))

    def get_absolute_url(self) -> str:
        return reverse("bridge:detail", args=[self.pk])

    @property
    def agenda_text(self) -> Cooked:
        """The agenda for the ``cooked`` filter: ``{{ call.agenda_text|cooked }}``."""
        return Cooked(self.agenda_html)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def is_under_way(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return not self.is_cancelled and self.starts_at <= now < self.ends_at

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.ends_at <= (now or timezone.now())

    def is_chaired_by(self, user) -> bool:
        """The chair, or one of the co-chairs (uses prefetched co_chairs when there are any)."""
        return user.pk == self.chair_id or any(co_chair.pk == user.pk for co_chair in self.co_chairs.all())


class Invitation(models.Model):
    """One invitee of a call: a sector's bridge representative (with their deputy, who may answer and attend in
    their place) or a member the officer named. Seats are counted in invitations (capacity)."""

    class Response(models.TextChoices):
        PENDING = "pending", "Not answered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        DELEGATED = "delegated", "Sending a delegate"

    call = models.ForeignKey(BridgeCall, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bridge_invitations")
    # Invited as this sector's representative; null: named by the officer.
    sector = models.ForeignKey("sectors.Sector", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="bridge_deputy_invitations")
    response = models.CharField(max_length=12, choices=Response.choices, default=Response.PENDING)
    # Someone of the invitee's organisation who attends in their place.
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="bridge_delegations")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(default=False)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["sector__name", "user__display_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="one_invitation_per_call_and_person")]

    def __str__(self) -> str:
        return f"{self.user} invited to {self.call}"

    def admits(self, user) -> bool:
        """May this person join the call (see the dial-in details)? The invitee, their deputy, their delegate."""
        return user.pk is not None and user.pk in (self.user_id, self.deputy_id, self.delegate_id)

    @property
    def expects_someone(self) -> bool:
        return self.response in (self.Response.ACCEPTED, self.Response.DELEGATED)


class Outcome(models.Model):
    """A decision taken, or an action given, on a call: recorded by the chair, published in the summary."""

    class Kind(models.TextChoices):
        DECISION = "decision", "Decision"
        ACTION = "action", "Action"

    call = models.ForeignKey(BridgeCall, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DECISION)
    text = models.TextField(max_length=2000)
    text_html = models.TextField(blank=True, editable=False)
    text_html_version = models.PositiveSmallIntegerField(default=0, editable=False)
    owner_sector = models.ForeignKey("sectors.Sector", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    owner_organisation = models.ForeignKey("sectors.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    COOKING = {"source": "text", "html_field": "text_html", "version_field": "text_html_version"}

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.call}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **cook_on_save(self, kwargs, **self.COOKING))

    @property
    def cooked_text(self) -> Cooked:
        """The text for the ``cooked`` filter: ``{{ outcome.cooked_text|cooked }}``."""
        return Cooked(self.text_html)

    @property
    def owner(self):
        return self.owner_organisation or self.owner_sector
