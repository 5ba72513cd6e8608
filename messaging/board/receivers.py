"""Signal receivers of the board. Connected by importing this module (``BoardConfig.ready``); each
``dispatch_uid`` keeps a second import from connecting a receiver twice."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from messaging.board import services
from sectors.models import Sector


@receiver(post_save, sender=Sector, dispatch_uid="board.sector_forum")
def on_sector_created(sender, instance: Sector, created: bool, raw: bool = False, **kwargs) -> None:
    """A sector added in the admin gets its forum at once (not while loading fixtures: raw)."""
    if created and not raw:
        services.open_sector_forum(instance)
