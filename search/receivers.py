"""The search table kept in step with what it indexes, in the transaction that changes it: every save that can
change what a row says, where it is or whether it is searchable (created, edited, approved, rejected,
resubmitted, hidden, shown, moved, published) rewrites its document; a deletion removes it.

A save that names its fields (``update_fields``) and touches none that a document holds costs nothing (the
thread's reply counter, a bulletin's sequence number, a withdrawal). Writes through QuerySet.update() send no
signal: none of the apps' services changes a searchable field that way (`manage.py reindex` repairs anything,
and until then the rules applied when searching still hide what such a write hid: search.selectors.readable).
Deletions need no receiver: a document's foreign key to its thread, post, bulletin or incident cascades, so the
database work is one statement per batch of deleted rows, not one per row.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from messaging.board.models import Post, Thread
from messaging.bulletins.models import Bulletin, Incident
from search import indexing

THREAD_FIELDS = {"title", "status", "author", "created_at"}
POST_FIELDS = {"body", "hidden", "author", "created_at", "thread"}
BULLETIN_FIELDS = {"title", "body", "location", "published_at", "author"}
INCIDENT_FIELDS = {"title", "opened_at", "opened_by"}


def _touches(update_fields, fields: set[str]) -> bool:
    return update_fields is None or bool(set(update_fields) & fields)


@receiver(post_save, sender=Thread, dispatch_uid="search.thread_saved")
def thread_saved(sender, instance: Thread, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw or (created and not instance.is_approved):
        return  # fixtures; a new pending thread (nothing of it is searchable)
    if update_fields is not None and set(update_fields) == {"forum"}:
        indexing.move_thread(instance)
    elif _touches(update_fields, THREAD_FIELDS | {"forum"}):
        # Approval, rejection or resubmission changes whether its replies are searchable too.
        indexing.index_thread(instance, with_replies=not created and _touches(update_fields, {"status", "forum"}))


@receiver(post_save, sender=Post, dispatch_uid="search.post_saved")
def post_saved(sender, instance: Post, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if not raw and _touches(update_fields, POST_FIELDS):
        indexing.index_post(instance)


@receiver(post_save, sender=Bulletin, dispatch_uid="search.bulletin_saved")
def bulletin_saved(sender, instance: Bulletin, created: bool, update_fields=None, raw: bool = False,
                   **kwargs) -> None:
    # Drafts are never indexed, and a published bulletin stays published: an unpublished one costs nothing.
    if not raw and instance.published_at is not None and _touches(update_fields, BULLETIN_FIELDS):
        indexing.index_bulletin(instance)


@receiver(post_save, sender=Incident, dispatch_uid="search.incident_saved")
def incident_saved(sender, instance: Incident, created: bool, update_fields=None, raw: bool = False,
                   **kwargs) -> None:
    if not raw and _touches(update_fields, INCIDENT_FIELDS):
        indexing.index_incident(instance)
