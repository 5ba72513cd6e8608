"""The board's own notes (its removed Notification model) are copied into the notifications app's, kind and
thread read back from the message and the link (notifications 0002, before board 0007 removes the table)."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

copy_migration = importlib.import_module("notifications.migrations.0002_copy_board_notifications")

BEFORE = [("board", "0006_report_outcome_kind"), ("notifications", "0001_initial")]
AFTER = [("board", "0007_notifications_moved"), ("notifications", "0002_copy_board_notifications")]


def test_the_kind_is_read_back_from_the_boards_four_sentences():
    assert copy_migration.kind_of("Your thread “A” was approved and is now visible in Retail.") == "thread_approved"
    assert copy_migration.kind_of("Your thread “A” was not approved: spam") == "thread_rejected"
    assert copy_migration.kind_of("Your edit to “A” was approved and is now visible in Retail.") == "edit_approved"
    assert copy_migration.kind_of("Your edit to “A” was not approved: no") == "edit_rejected"


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)


# serialized_rollback, like the suite's other transactional tests: the tables are put back as they were after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_boards_notes_are_copied_with_their_kind_thread_and_read_state():
    executor = _migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Forum, Thread = apps.get_model("board", "Forum"), apps.get_model("board", "Thread")
        Old = apps.get_model("board", "Notification")
        user = get_user_model().objects.create(email="old@example.com", display_name="Old Timer")  # today's columns
        forum, _ = Forum.objects.get_or_create(slug="old-hub", defaults={"name": "Old hub"})
        thread = Thread.objects.create(forum=forum, title="Old thread", status="approved")
        Old.objects.create(user_id=user.pk, url=f"/forums/threads/{thread.pk}/",
                           message="Your thread “Old thread” was approved and is now visible in The Hub.")
        Old.objects.create(user_id=user.pk, message="Your edit to “Gone” was not approved: no",
                           url="/forums/threads/999999/")
        executor = _migrate(AFTER)
        New = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
        copied = {note.kind: note for note in New.objects.filter(user_id=user.pk)}
        assert copied["thread_approved"].thread_id == thread.pk and copied["thread_approved"].read_at is None
        assert copied["edit_rejected"].thread_id is None and copied["edit_rejected"].url == "/forums/threads/999999/"
    finally:
        _migrate(None)  # every app back at its latest migration, for the tests after this one
