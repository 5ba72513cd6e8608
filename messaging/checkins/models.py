from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

MIN_CHOICES = 2
MAX_CHOICES = 6
# The default coded answers; the last one is pinned at the top of the officers' grid with contact details.
DEFAULT_CHOICES = (
    ("Not affected", False),
    ("Affected, still operating", False),
    ("Closed or evacuated", False),
    ("Need police contact", True),
)


class CheckInQuerySet(models.QuerySet):
    def open(self) -> "CheckInQuerySet":
        return self.filter(closed_at__isnull=True)


class CheckIn(models.Model):
    """"Are you affected?": a question with coded answers, asked of an incident's or a bulletin's audience and
    answered once per organisation. It reaches people on a carrier bulletin (its deliveries are the audience)."""

    question = models.CharField(max_length=300)
    incident = models.ForeignKey("bulletins.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="check_ins")
    # The bulletin the question was asked about (when asked from a bulletin's page rather than an incident).
    about = models.ForeignKey("bulletins.Bulletin", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="check_ins_about")
    # The bulletin that carries the question to its audience: its Delivery rows say who is asked, and for which
    # organisation (selectors.asking_deliveries).
    carrier = models.OneToOneField("bulletins.Bulletin", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="check_in", editable=False)
    deadline = models.DateTimeField(null=True, blank=True, help_text="Optional; answers are still taken after it.")
    # When organisations that have not answered get their one reminder e-mail (claimed once by the scheduler).
    remind_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", editable=False)
    # The tally frozen when it closed: {"answered": n, "asked": m, "choices": [{"label": ..., "count": ...}]}.
    final_tally = models.JSONField(null=True, blank=True, editable=False)
    # What a toast needs to offer the answers as buttons ({"url": ..., "choices": [{"label", "url"}]}), written
    # once at open (choices never change after): the carrier bulletin's live payload reads it through a join,
    # with no query of its own (messaging/bulletins/payloads.py).
    live_answers = models.JSONField(default=dict, blank=True, editable=False)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("checkins:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Choice(models.Model):
    """One coded answer of a check-in, in the order the officer gave them."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=80)
    # "Need police contact": pinned at the top of the grid, with the member's contact details.
    needs_contact = models.BooleanField(default=False)

    class Meta:
        ordering = ["check_in", "position"]
        constraints = [models.UniqueConstraint(fields=["check_in", "position"], name="one_choice_per_position")]

    def __str__(self) -> str:
        return self.label


class Answer(models.Model):
    """An organisation's current answer to a check-in: one per organisation (the constraint), changed in place
    until the check-in closes; every version is kept in AnswerChange."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="answers")
    organisation = models.ForeignKey("sectors.Organisation", on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="answers")
    note = models.TextField(max_length=1000, blank=True)
    borough = models.ForeignKey("sectors.Borough", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="Where the premises concerned are.")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)
    # Recorded by a sector lead on the organisation's behalf (after a phone call), not by its own member.
    by_lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["check_in", "organisation"],
                                               name="one_answer_per_check_in_and_organisation")]
        indexes = [models.Index(fields=["check_in", "choice"])]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.choice}"


class AnswerChange(models.Model):
    """Every answer given, in order: who, when, what (including the first)."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="answer_changes")
    organisation = models.ForeignKey("sectors.Organisation", on_delete=models.CASCADE, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(max_length=1000, blank=True)
    borough = models.ForeignKey("sectors.Borough", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    by_lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["check_in", "organisation", "at"])]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.choice} at {self.at:%H:%M}"


class ChaseAttempt(models.Model):
    """A sector lead tried to reach an organisation that has not answered ("called, no answer")."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="chase_attempts")
    organisation = models.ForeignKey("sectors.Organisation", on_delete=models.CASCADE, related_name="+")
    sector = models.ForeignKey("sectors.Sector", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["check_in", "organisation"])]

    def __str__(self) -> str:
        return f"{self.organisation} chased by {self.by}"


class ReminderSent(models.Model):
    """A member e-mailed the check-in's one reminder. Written in the transaction that sends the e-mail, so that a
    reminder run again (its worker killed, the task put back on the queue) e-mails only those it had not."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="reminders_sent")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["check_in", "user"], name="one_reminder_per_check_in_and_user")]

    def __str__(self) -> str:
        return f"Reminder of check-in {self.check_in_id} to user {self.user_id}"
