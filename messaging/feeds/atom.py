"""A user's Atom feed of their bulletins, built with Django's syndication framework.

Entries are the user's inbox (``selectors.atom_entries``), newest first. Each entry's id is a tag URI made from
the site's host, the bulletin's publication date and its path (fixed at publication: it never changes); its link
goes back to the portal, where the reader signs in. The summary is the bulletin's plain-text summary, sent as
Atom text (not HTML: a feed reader shows it as it is, so nothing in it can run). OFFICIAL-SENSITIVE bulletins
go out as SENSITIVE_PLACEHOLDER and the link, nothing else."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed

from messaging.bulletins.models import SENSITIVE_PLACEHOLDER, Bulletin
from messaging.feeds import permissions, selectors
from messaging.feeds.ical import site_url
from messaging.feeds.text import printable


class PlainTextAtom1Feed(Atom1Feed):
    """Atom with a plain-text summary: Django writes ``<summary type="html">``, which a reader would render."""

    def add_item_elements(self, handler, item):
        summary = item["description"]
        super().add_item_elements(handler, {**item, "description": None})
        if summary:
            handler.addQuickElement("summary", summary)  # an Atom text construct is type="text" by default


class BulletinsFeed(Feed):
    feed_type = PlainTextAtom1Feed
    title = "The Hub: your bulletins"
    subtitle = "Bulletins addressed to you on the Hub. This feed is private: anyone with its address can read it."
    author_name = "The Hub"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, private=True)
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request, token: str):
        return permissions.access_feed_owner(token)

    def link(self) -> str:
        return site_url(reverse("bulletins:inbox"))

    def feed_url(self, user) -> str:
        return site_url(reverse("feeds:bulletins", args=[user.feed_token.key]))

    def items(self, user) -> list[Bulletin]:
        return list(selectors.atom_entries(user))

    def item_title(self, bulletin: Bulletin) -> str:
        if bulletin.is_sensitive:
            return SENSITIVE_PLACEHOLDER
        title = printable(bulletin.title)
        return f"Withdrawn: {title}" if bulletin.is_withdrawn else title

    def item_description(self, bulletin: Bulletin) -> str | None:
        return None if bulletin.is_sensitive else printable(bulletin.summary) or None

    def item_link(self, bulletin: Bulletin) -> str:
        return site_url(bulletin.get_absolute_url())

    def item_guid(self, bulletin: Bulletin) -> str:
        # RFC 4151 tag URI, as Django's get_tag_uri makes them (which would add a stray "/" to our URLs).
        host = urlsplit(settings.SITE_URL).hostname or "hub"
        return f"tag:{host},{bulletin.published_at:%Y-%m-%d}:{bulletin.get_absolute_url()}"

    def item_pubdate(self, bulletin: Bulletin):
        return bulletin.published_at

    def item_updateddate(self, bulletin: Bulletin):
        return max(moment for moment in (bulletin.published_at, bulletin.updated_at, bulletin.withdrawn_at)
                   if moment is not None)

    def item_categories(self, bulletin: Bulletin) -> list[str]:
        if bulletin.is_sensitive:
            return []
        return [bulletin.get_kind_display(), bulletin.get_severity_display()]
