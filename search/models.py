"""One row per searchable thing (Discourse's post_search_data idea): what a search reads, and nothing a reader
may see is decided here. Whether a user may read a row is decided at query time by each app's own rules
(search.selectors); the ids kept here (forum, thread, post) only let those rules be applied cheaply."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

# PostgreSQL's text search configuration, for the stored vectors and the queries alike: English stemming
# ("thefts" finds "theft") and stop words, since the portal's text is English prose. Changing it means
# `manage.py reindex` (the stored vectors were made with it).
CONFIG = "english"


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        THREAD = "thread", "Thread"  # its title and its opening post
        POST = "post", "Reply"  # a reply (a thread's opening post is searched as the thread)
        BULLETIN = "bulletin", "Bulletin"
        INCIDENT = "incident", "Incident"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    # Threads and replies: where they are, so the board's read rule filters without visiting every post.
    forum = models.ForeignKey("board.Forum", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey("board.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The object itself (the one of these its kind names; object_id is its id too): deleting it deletes its
    # document with it, in the same statement batch, whatever deletes it (a cascade, the admin).
    post = models.ForeignKey("board.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    bulletin = models.ForeignKey("bulletins.Bulletin", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    incident = models.ForeignKey("bulletins.Incident", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    title = models.CharField(max_length=200, blank=True, help_text="Searched; empty for replies.")
    # Plain text made from the stored, sanitised HTML: never markup (search.indexing.plain_text).
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField()
    # PostgreSQL only: title (weight A) and body (weight B), written by the statement that writes the row. On
    # SQLite the column exists (a "tsvector" column is just a column there) and stays empty; its GIN index is
    # made on PostgreSQL only (migrations/0001_initial.py).
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_object")]
        indexes = [
            GinIndex(fields=["vector"], name="search_document_vector"),
            models.Index(fields=["-created_at", "-id"], name="search_document_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id}"
