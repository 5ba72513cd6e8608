from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Level(models.TextChoices):
    """How closely a member follows a forum or a thread (Discourse's levels). On the bell, tracking and normal tell
    the same things (a reply to one of your posts, a mention); tracking is also following (the place is among the
    member's followed places, as watching is), normal is not. Muted tells nothing, mentions included, and the
    forum page shows no "N new" for a muted thread."""

    WATCHING = "watching", "Watching: every new post"
    TRACKING = "tracking", "Tracking: replies to you and mentions"
    NORMAL = "normal", "Normal: replies to you and mentions"
    MUTED = "muted", "Muted: nothing, not even mentions"


class Watch(models.Model):
    """A member's level on one forum or one thread (exactly one of the two). No row means the default: normal
    (a thread inherits its forum's level unless it has its own)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    forum = models.ForeignKey("board.Forum", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey("board.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.NORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(forum__isnull=True) ^ Q(thread__isnull=True),
                                   name="watch_one_forum_or_one_thread"),
            models.UniqueConstraint(fields=["user", "forum"], condition=Q(forum__isnull=False),
                                    name="one_watch_per_user_and_forum"),
            models.UniqueConstraint(fields=["user", "thread"], condition=Q(thread__isnull=False),
                                    name="one_watch_per_user_and_thread"),
        ]
        indexes = [models.Index(fields=["forum", "level"]), models.Index(fields=["thread", "level"])]

    def __str__(self) -> str:
        return f"{self.user} {self.level} {self.forum or self.thread}"


class Notification(models.Model):
    """One thing to tell one member behind the bell: a reply, a mention, a post where they are watching, and
    the moderators' decisions on their threads and edits (what the board's own notes were: folded in here by
    migration 0002, so there is one list of what the portal has to tell someone)."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply to you"
        MENTION = "mention", "Mention"
        WATCHED_POST = "watched_post", "New post where you are watching"
        NEW_THREAD = "new_thread", "New thread in a forum you are watching"
        THREAD_APPROVED = "thread_approved", "Your thread was approved"
        THREAD_REJECTED = "thread_rejected", "Your thread was not approved"
        EDIT_APPROVED = "edit_approved", "Your edit was approved"
        EDIT_REJECTED = "edit_rejected", "Your edit was not approved"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    thread = models.ForeignKey("board.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("board.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Plain text, written when it is created (names and the thread's title at the time): escaped when shown.
    text = models.CharField(max_length=300)
    # Where opening it leads (a path on this site, e.g. a post's link); empty: nowhere.
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Sent by e-mail (at once or in a digest), so that nothing is mailed twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_page"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            # A post tells a member one thing once (a reply that also mentions them is one notification).
            models.UniqueConstraint(fields=["user", "post"], condition=Q(post__isnull=False),
                                    name="one_notification_per_user_and_post"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class ReadState(models.Model):
    """Where a member stopped reading a thread: the highest post id they have been shown (for "N new" and opening
    a thread at the first unread post). Post ids only grow, so "unread" is "id above this"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey("board.Thread", on_delete=models.CASCADE, related_name="+")
    last_read_post_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="one_read_state_per_user_and_thread")]

    def __str__(self) -> str:
        return f"{self.user} read {self.thread} to post {self.last_read_post_id}"


class ForumReadState(models.Model):
    """A member's "mark all read" in one forum: every post of the forum up to this id counts as read, in every
    thread (a thread's own ReadState counts when it is higher). One row written, however many threads the forum
    holds, and the forum page reads it in the query that reads its threads' states."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    forum = models.ForeignKey("board.Forum", on_delete=models.CASCADE, related_name="+")
    read_up_to_post_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "forum"], name="one_read_state_per_user_and_forum")]

    def __str__(self) -> str:
        return f"{self.user} read {self.forum} up to post {self.read_up_to_post_id}"


class Preferences(models.Model):
    """How and when a member wants e-mail. No row means the defaults."""

    class ForumEmail(models.TextChoices):
        IMMEDIATELY = "immediately", "Immediately"
        DIGEST = "digest", "In a daily digest"
        NEVER = "never", "Never"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    forum_email = models.CharField("forum activity by e-mail", max_length=12, choices=ForumEmail.choices,
                                   default=ForumEmail.IMMEDIATELY)
    # Bulletins at or above this severity are e-mailed at once; the rest wait for the digest. Critical bulletins
    # and those asking for an acknowledgement always go at once.
    bulletin_min_severity = models.CharField(
        "lowest severity e-mailed at once", max_length=12, default="info",
        choices=[("info", "Info"), ("advisory", "Advisory"), ("warning", "Warning"), ("critical", "Critical")])
    # The daily digest at 07:00 (Europe/London) of what waits for it: bulletins below the threshold and, in
    # "digest" mode, forum activity. Off: those stay on the portal (inbox, bell) without any e-mail.
    digest = models.BooleanField("daily digest", default=True)
    # Non-critical e-mail waits until the end of the quiet hours (Europe/London); both set or neither. They may
    # span midnight (22:00 to 07:00).
    quiet_from = models.TimeField("quiet hours from", null=True, blank=True)
    quiet_until = models.TimeField("quiet hours until", null=True, blank=True)
    # When the forum e-mail held back by quiet hours is released: the next end of the quiet hours (set when they
    # are saved). The scheduler (notifications.quiet) releases it then and moves this to the following end, in
    # one conditional UPDATE, so two schedulers never release it twice. Null: no quiet hours.
    quiet_release_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "preferences"
        indexes = [models.Index(fields=["quiet_release_at"], condition=Q(quiet_release_at__isnull=False),
                                name="preferences_quiet_release")]

    def __str__(self) -> str:
        return f"E-mail preferences of {self.user}"

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_from is not None and self.quiet_until is not None and self.quiet_from != self.quiet_until


class DigestSent(models.Model):
    """One daily digest per member per day (Europe/London): claimed by inserting this row, so two workers
    never both send it. ``sent_at`` is when its task finished with it: e-mailed with ``item_count`` items, or
    found empty by then (``item_count`` 0: everything had been read meanwhile), and nothing was sent. A row
    without ``sent_at`` is a digest still to send (notifications.digest resumes those a dead worker left)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")]
        # The scheduler looks for digests claimed but not sent (a worker died) every round: those rows only.
        indexes = [models.Index(fields=["claimed_at"], condition=Q(sent_at__isnull=True), name="digest_unsent")]

    def __str__(self) -> str:
        return f"Digest for {self.user} on {self.day}"
