"""Queueing background work with the write it belongs to."""

from django.db import transaction
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task


def enqueue_with_this_transaction(task: Task, *args) -> None:
    """A database queue takes the task in the caller's transaction: committed with what it is about or not at
    all, so that no crash after the commit can leave the write without its e-mails. A backend that runs tasks at
    once (the embedded default) would run it before the commit: there it waits for the commit."""
    if isinstance(task.get_backend(), ImmediateBackend):
        transaction.on_commit(lambda: task.enqueue(*args))
    else:
        task.enqueue(*args)
