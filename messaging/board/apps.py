from django.apps import AppConfig
from django.db.models.signals import post_save


class BoardConfig(AppConfig):
    """The discussion board: forums, threads, posts, moderation and reports."""

    name = "messaging.board"
    label = "board"
    verbose_name = "Discussion board"

    def ready(self) -> None:
        # Here, not at the top: services imports the board's models, which can't load before the app registry
        # is ready, and Django imports this module before that.
        from messaging.board.services import create_forum_for_sector

        post_save.connect(create_forum_for_sector, sender="sectors.Sector", dispatch_uid="board.sector_forum")
