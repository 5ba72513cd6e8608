from django.apps import AppConfig


class FeedsConfig(AppConfig):
    """The calendar of pre-planned events, and each user's private feeds (iCalendar of those events, Atom of their
    bulletins) behind a feed token.

    Its own app beside the bulletins: it only reads them, through the audience rule (messaging.bulletins.audience),
    and the bulletins need not know that feeds exist."""

    name = "messaging.feeds"
    label = "feeds"
    verbose_name = "Calendar and feeds"
