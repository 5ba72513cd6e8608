from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.text import CookedQuerySet, cook_on_save
from common.urls import object_url

BODY_MAX_LENGTH = 20_000


class CookedBody(models.Model):
    """A Markdown ``body`` stored with its sanitised HTML (written with the body on every save, bulk writes too;
    see common.text), so pages output HTML and never render Markdown. Not editable: only the pipeline writes it."""

    body_html = models.TextField(blank=True, editable=False)
    body_html_version = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="The text pipeline's version that made body_html (manage.py recook)."
    )

    objects = CookedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **cook_on_save(self, kwargs))


class ForumQuerySet(models.QuerySet):
    def hub(self) -> "Forum":
        return self.get(sector__isnull=True)


class Forum(models.Model):
    """A sector's forum, or (no sector) the cross-sector Hub forum every approved member and officer uses."""

    sector = models.OneToOneField(
        "sectors.Sector", null=True, blank=True, on_delete=models.CASCADE, related_name="forum"
    )
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    # Denormalised so the forum index costs one query however busy the board is; kept by services.
    thread_count = models.PositiveIntegerField(default=0, help_text="Approved threads.")
    post_count = models.PositiveIntegerField(default=0, help_text="Posts in approved threads.")
    last_activity_at = models.DateTimeField(null=True, blank=True)

    objects = ForumQuerySet.as_manager()

    class Meta:
        # The Hub forum (no sector) first, then the sectors by name.
        ordering = [models.F("sector").asc(nulls_first=True), "name"]
        permissions = [("moderate_forum", "Can moderate this forum")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("board:forum", args=[self.slug])

    @property
    def is_hub(self) -> bool:
        return self.sector_id is None


class ThreadQuerySet(models.QuerySet):
    def approved(self) -> "ThreadQuerySet":
        return self.filter(status=Thread.Status.APPROVED)

    def pending(self) -> "ThreadQuerySet":
        return self.filter(status=Thread.Status.PENDING)


class Thread(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="threads")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rejection_reason = models.TextField(blank=True)
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0, help_text="Posts after the first.")

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["forum", "status", "-pinned", "-last_activity_at", "-id"], name="thread_forum_page"),
            models.Index(fields=["status", "created_at"], name="thread_queue"),
            # The dashboard's latest threads across the reader's forums: read newest first, a few rows deep.
            models.Index(fields=["-last_activity_at", "-id"], condition=models.Q(status="approved"),
                         name="thread_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return object_url("board:thread", self.pk)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class Post(CookedBody):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts")
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at", "id"], name="post_thread_page")]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        return f"{object_url('board:thread', self.thread_id)}?post={self.pk}#post-{self.pk}"


class PostRevision(CookedBody):
    """The text a post had before an edit: who replaced it and when. Moderators read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200, blank=True, help_text="The thread title, for a thread's first post.")
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-edited_at", "-id"]

    def __str__(self) -> str:
        return f"Revision of post {self.post_id} ({self.edited_at:%Y-%m-%d %H:%M})"


class ProposedEdit(CookedBody):
    """A member's change to an approved thread's title or opening post, held for the forum's moderators: readers
    keep seeing the approved version until a moderator approves it (then it replaces the post, and the text it
    replaced goes into the post's history); rejected, the approved version simply stays. The rows stay, with
    who decided and why."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"  # the author put the approved text back

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="proposed_edits")
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why a moderator rejected it; the author reads this.")

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            # One waiting edit per post: the author's next edit replaces it.
            models.UniqueConstraint(fields=["post"], condition=models.Q(status="pending"),
                                    name="one_pending_edit_per_post"),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="proposed_edit_queue")]

    def __str__(self) -> str:
        return f"Edit of post {self.post_id} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Report(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Outcome(models.TextChoices):
        """What the moderator did about it, as they chose it when resolving (the note says more)."""

        NO_ACTION = "no_action", "No action needed"
        HIDDEN = "hidden", "Post hidden"
        EDITED = "edited", "Post edited"
        SPOKEN_TO = "spoken_to", "Author spoken to"
        OTHER = "other", "Other"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome_kind = models.CharField("what was done", max_length=16, choices=Outcome.choices, blank=True)
    outcome = models.TextField(blank=True, help_text="The moderator's note, as they typed it.")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="one_report_per_post_and_user")]

    def __str__(self) -> str:
        return f"Report on post {self.post_id} ({self.get_status_display()})"

