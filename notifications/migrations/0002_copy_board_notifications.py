"""Copy the board's on-site notes (its Notification model: a thread or an edit approved or rejected) into the
notifications app's Notification, before board's migration 0007 removes them. The board stored a message and a
link; the kind is read back from the message's words (the board wrote four fixed sentences) and the thread from
the link ("/forums/threads/<id>/")."""

import re

from django.db import migrations

THREAD_LINK = re.compile(r"/threads/(\d+)/")
BATCH = 1000


def kind_of(message: str) -> str:
    edit = message.startswith("Your edit")
    rejected = "was not approved" in message
    return {(False, False): "thread_approved", (False, True): "thread_rejected",
            (True, False): "edit_approved", (True, True): "edit_rejected"}[(edit, rejected)]


def copy(apps, schema_editor):
    Old = apps.get_model("board", "Notification")
    New = apps.get_model("notifications", "Notification")
    Thread = apps.get_model("board", "Thread")
    rows = list(Old.objects.order_by("pk").values("user_id", "message", "url", "created_at", "read_at"))
    linked = {int(match.group(1)) for row in rows if (match := THREAD_LINK.search(row["url"] or ""))}
    existing = set(Thread.objects.filter(pk__in=linked).values_list("pk", flat=True)) if linked else set()
    copies = []
    for row in rows:
        match = THREAD_LINK.search(row["url"] or "")
        thread_id = int(match.group(1)) if match and int(match.group(1)) in existing else None
        copies.append(New(user_id=row["user_id"], kind=kind_of(row["message"]), thread_id=thread_id,
                          text=row["message"][:300], url=row["url"][:300], created_at=row["created_at"],
                          read_at=row["read_at"]))
    New.objects.bulk_create(copies, batch_size=BATCH)


def copy_back(apps, schema_editor):
    """Unapplied (before the board's table comes back, empty): the decisions' notes go back to the board."""
    Old = apps.get_model("board", "Notification")
    New = apps.get_model("notifications", "Notification")
    decisions = ["thread_approved", "thread_rejected", "edit_approved", "edit_rejected"]
    Old.objects.bulk_create(
        (Old(user_id=note.user_id, message=note.text, url=note.url, created_at=note.created_at,
             read_at=note.read_at) for note in New.objects.filter(kind__in=decisions).order_by("pk")),
        batch_size=BATCH)
    New.objects.filter(kind__in=decisions).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
        ("board", "0006_report_outcome_kind"),
    ]

    operations = [migrations.RunPython(copy, copy_back)]
