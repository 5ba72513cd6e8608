from django.apps import AppConfig


class BoardConfig(AppConfig):
    """The discussion board: forums, threads, posts, moderation and reports."""

    name = "messaging.board"
    label = "board"
    verbose_name = "Discussion board"

    def ready(self) -> None:
        # Importing connects the receivers. Not at the top: they need the models, which cannot be loaded while
        # this module is (the app registry imports apps.py before any models.py).
        from messaging.board import receivers  # noqa: F401
