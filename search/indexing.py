"""Writing the search table: which rows are searchable, their documents, and the batched rebuild.

Only what every reader of a place may read is indexed: approved threads, the visible replies of approved
threads, published bulletins and incidents. Whether a given user may read a row is still decided when they
search (search.selectors), by the apps' own rules; the index leaving out the rest is a second line, not the rule.

On PostgreSQL the row's search vector (title weight A, body weight B) is an expression in the statement that
writes the row (an upsert), so a row and its vector never disagree; on SQLite the vector stays empty.
"""

import html
import re
from collections.abc import Iterable, Iterator

import nh3
from django.contrib.postgres.search import SearchVector
from django.db import connection, connections, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, TextField, Value

from messaging.board.models import Post, Thread
from messaging.bulletins.models import Bulletin, Incident
from search.models import CONFIG, SearchDocument

Kind = SearchDocument.Kind
BATCH_SIZE = 2000
# The markers ts_headline puts around a match (search.highlight): private-use characters, taken out of every
# text before it is stored, so nothing a user wrote can pass for one.
START_MARK, STOP_MARK = "\ue000", "\ue001"
_MARKS = str.maketrans("", "", START_MARK + STOP_MARK)
# Where a block of the stored HTML ends: a space goes there, so "end of one paragraph" and "start of the next"
# stay two words once the tags are gone.
_BLOCK_BOUNDARY = re.compile(r"<(?:/?(?:p|li|h[1-6]|blockquote|pre|tr|td|th|ul|ol|table)\b|br\b|hr\b)", re.I)
_WRITTEN_FIELDS = ["forum", "thread", "title", "body", "author", "created_at", "vector"]


def plain_text(stored_html: str) -> str:
    """The words of HTML the text pipeline stored (common.text), with no markup at all and no highlight marks."""
    spaced = _BLOCK_BOUNDARY.sub(lambda match: " " + match.group(0), stored_html or "")
    text = html.unescape(nh3.clean(spaced, tags=set()))
    return " ".join(text.translate(_MARKS).split())


def _clean(value: str) -> str:
    return " ".join((value or "").translate(_MARKS).split())


# Documents -----------------------------------------------------------------------------------------------------


def thread_document(thread: Thread, opening_html: str) -> SearchDocument:
    """A thread is searched by its title and its opening post (empty when that post is hidden)."""
    return SearchDocument(kind=Kind.THREAD, object_id=thread.pk, forum_id=thread.forum_id, thread_id=thread.pk,
                          title=_clean(thread.title), body=plain_text(opening_html), author_id=thread.author_id,
                          created_at=thread.created_at)


def post_document(post: Post, forum_id: int) -> SearchDocument:
    return SearchDocument(kind=Kind.POST, object_id=post.pk, post_id=post.pk, forum_id=forum_id,
                          thread_id=post.thread_id, body=plain_text(post.body_html), author_id=post.author_id,
                          created_at=post.created_at)


def bulletin_document(bulletin: Bulletin) -> SearchDocument:
    body = plain_text(bulletin.body_html)
    if bulletin.location:
        body = f"{_clean(bulletin.location)} {body}"
    return SearchDocument(kind=Kind.BULLETIN, object_id=bulletin.pk, bulletin_id=bulletin.pk,
                          title=_clean(bulletin.title), body=body, author_id=bulletin.author_id,
                          created_at=bulletin.published_at)


def incident_document(incident: Incident) -> SearchDocument:
    return SearchDocument(kind=Kind.INCIDENT, object_id=incident.pk, incident_id=incident.pk,
                          title=_clean(incident.title), author_id=incident.opened_by_id,
                          created_at=incident.opened_at)


# Which rows are searchable -------------------------------------------------------------------------------------


def _opening_post() -> QuerySet[Post]:
    """The opening post of the thread OuterRef("pk") names (post_thread_page: one index probe)."""
    return Post.objects.filter(thread=OuterRef("pk")).order_by("created_at", "id")


def searchable_threads() -> QuerySet[Thread]:
    opening = _opening_post()
    return (Thread.objects.approved()
            .annotate(opening_html=Subquery(opening.filter(hidden=False).values("body_html")[:1]),
                      opening_id=Subquery(opening.values("pk")[:1])))


def searchable_posts() -> QuerySet[Post]:
    """Visible replies of approved threads; each thread's opening post is searched as the thread."""
    first = Post.objects.filter(thread=OuterRef("thread")).order_by("created_at", "id").values("pk")[:1]
    return (Post.objects.filter(hidden=False, thread__status=Thread.Status.APPROVED)
            .exclude(pk=Subquery(first)).annotate(forum_id=F("thread__forum_id")))


def searchable_bulletins() -> QuerySet[Bulletin]:
    return Bulletin.objects.published()


# Writing ------------------------------------------------------------------------------------------------------


def _vector(title: str, body: str):
    return (SearchVector(Value(title, output_field=TextField()), weight="A", config=CONFIG)
            + SearchVector(Value(body, output_field=TextField()), weight="B", config=CONFIG))


# The vector of a stored row, from its own columns.
_STORED_VECTOR = SearchVector("title", weight="A", config=CONFIG) + SearchVector("body", weight="B", config=CONFIG)


def write(documents: Iterable[SearchDocument], *, using: str = "default") -> int:
    """Insert or replace these documents in one upsert, their vectors computed in that statement (a handful of
    documents: the receivers' writes)."""
    documents = list(documents)
    if not documents:
        return 0
    if connections[using].vendor == "postgresql":
        for document in documents:
            document.vector = _vector(document.title, document.body)
    SearchDocument.objects.using(using).bulk_create(
        documents, batch_size=BATCH_SIZE, update_conflicts=True, unique_fields=["kind", "object_id"],
        update_fields=_WRITTEN_FIELDS,
    )
    return len(documents)


def write_batch(kind: str, documents: list[SearchDocument]) -> int:
    """A rebuild's batch: one upsert of the rows, then one UPDATE computing their vectors from the stored
    columns, in one transaction (nobody sees a row without its vector). Building thousands of per-row vector
    expressions in Python cost more than the database's work; this costs two statements per batch."""
    if not documents:
        return 0
    with transaction.atomic():
        SearchDocument.objects.bulk_create(
            documents, update_conflicts=True, unique_fields=["kind", "object_id"],
            update_fields=[name for name in _WRITTEN_FIELDS if name != "vector"],
        )
        if connection.vendor == "postgresql":
            SearchDocument.objects.filter(kind=kind, object_id__in=[document.object_id for document in documents]
                                          ).update(vector=_STORED_VECTOR)
    return len(documents)


def forget(kind: str, object_ids: Iterable[int]) -> None:
    SearchDocument.objects.filter(kind=kind, object_id__in=list(object_ids)).delete()


# Keeping one object in step (search.receivers) ---------------------------------------------------------------


def index_thread(thread: Thread, *, with_replies: bool) -> None:
    """The thread's document (and, ``with_replies``, its replies' documents) as the thread now is: gone when it
    is not approved."""
    row = searchable_threads().filter(pk=thread.pk).values("opening_html", "opening_id").first()
    if row is None:  # pending, rejected or deleted: nothing of it is searchable
        SearchDocument.objects.filter(thread_id=thread.pk).delete()
        return
    write([thread_document(thread, row["opening_html"] or "")])
    if with_replies:
        replies = searchable_posts().filter(thread_id=thread.pk)
        forget(Kind.POST, Post.objects.filter(thread_id=thread.pk).exclude(pk__in=replies.values("pk"))
               .values_list("pk", flat=True))
        for batch in _batches(replies.only("pk", "thread_id", "author_id", "created_at", "body_html")):
            write(post_document(post, post.forum_id) for post in batch)


def move_thread(thread: Thread) -> None:
    """A moved thread's documents follow it to its new forum."""
    SearchDocument.objects.filter(thread_id=thread.pk).update(forum_id=thread.forum_id)


def index_post(post: Post) -> None:
    """A saved post: its reply document, or its thread's document when it is the opening post."""
    thread = (Thread.objects.filter(pk=post.thread_id)
              .annotate(opening_id=Subquery(_opening_post().values("pk")[:1])).first())
    if thread is None:
        return
    if thread.opening_id == post.pk:
        if thread.is_approved:
            write([thread_document(thread, "" if post.hidden else post.body_html)])
        return
    if thread.is_approved and not post.hidden:
        write([post_document(post, thread.forum_id)])
    else:
        forget(Kind.POST, [post.pk])


def index_bulletin(bulletin: Bulletin) -> None:
    if bulletin.published_at is None:
        forget(Kind.BULLETIN, [bulletin.pk])
    else:
        write([bulletin_document(bulletin)])


def index_incident(incident: Incident) -> None:
    write([incident_document(incident)])


# The rebuild (manage.py reindex) -----------------------------------------------------------------------------


def _batches(queryset: QuerySet, size: int = BATCH_SIZE) -> Iterator[list]:
    """The queryset's rows in primary-key order, ``size`` at a time (keyset pagination: each batch one index
    range, however deep)."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def reindex(kinds: Iterable[str] = Kind.values, *, batch_size: int = BATCH_SIZE, progress=None) -> dict[str, int]:
    """Write the documents of every searchable row of these kinds and remove those of rows that are no longer
    searchable (or gone); returns how many documents each kind now has. Each batch is one read and one upsert."""
    counts = {}
    sources = {
        Kind.THREAD: (searchable_threads().only("pk", "forum_id", "title", "author_id", "created_at"),
                      lambda thread: thread_document(thread, thread.opening_html or "")),
        Kind.POST: (searchable_posts().only("pk", "thread_id", "author_id", "created_at", "body_html"),
                    lambda post: post_document(post, post.forum_id)),
        Kind.BULLETIN: (searchable_bulletins().only("pk", "title", "body_html", "location", "author_id",
                                                    "published_at"), bulletin_document),
        Kind.INCIDENT: (Incident.objects.only("pk", "title", "opened_by_id", "opened_at"), incident_document),
    }
    for kind in kinds:
        queryset, document = sources[kind]
        SearchDocument.objects.filter(kind=kind).exclude(object_id__in=queryset.values("pk")).delete()
        done = 0
        for batch in _batches(queryset, batch_size):
            done += write_batch(kind, [document(row) for row in batch])
            if progress:
                progress(kind, done)
        counts[kind] = SearchDocument.objects.filter(kind=kind).count()
    return counts
