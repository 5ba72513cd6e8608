from django.apps import AppConfig


class BoardConfig(AppConfig):
    """The discussion board: forums, threads, posts, moderation and reports."""

    name = "messaging.board"
    label = "board"
    verbose_name = "Discussion board"
