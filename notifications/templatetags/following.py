"""Template tags for the board's pages (the board does not import this app: its templates load these tags):
the level control, and the forum page's unread markers (``{% forum_following forum threads as following %}``
reads them for the page in three queries; the other tags only look them up)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from common.urls import object_url
from notifications import selectors
from notifications.models import Level

register = template.Library()


@register.simple_tag(takes_context=True)
def forum_following(context, forum, threads) -> selectors.ForumMarkers:
    return selectors.forum_markers(context["request"].user, forum, list(threads))


@register.simple_tag
def thread_link(following: selectors.ForumMarkers, thread) -> str:
    """A thread's link in a list: at its first unread post when it has one the reader has not seen."""
    # object_url: the thread's address reversed once per process, not once per row (25 rows a page).
    news = following.unread.get(thread.pk) if following else None
    if news and news.first_id:
        return f"{object_url('board:thread', thread.pk)}?post={news.first_id}#post-{news.first_id}"
    return object_url("board:thread", thread.pk)


@register.simple_tag
def thread_news(following: selectors.ForumMarkers, thread) -> str:
    news = following.unread.get(thread.pk) if following else None
    if not news or not news.count:
        return ""
    return format_html('<span class="badge text-bg-primary ms-1 thread-news">{} new</span>', news.count)


def _level_form(context, *, action: str, level: str, element_id: str, about: str, inherited: bool = False) -> dict:
    return {"action": action, "level": level, "choices": Level.choices, "element_id": element_id, "about": about,
            "inherited": inherited, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("notifications/_level_form.html", takes_context=True)
def forum_level_form(context, forum, following: selectors.ForumMarkers) -> dict:
    return _level_form(context, action=reverse("notifications:forum_level", args=[forum.slug]),
                       level=following.level, element_id="forum-level", about="for this forum")


@register.inclusion_tag("notifications/_level_form.html", takes_context=True)
def thread_level_form(context, thread) -> dict:
    # The thread page's view has usually read it already, with the reader's place (services.record_view).
    level = getattr(thread, "following_level", None) or selectors.thread_level(context["request"].user, thread)
    return _level_form(context, action=reverse("notifications:thread_level", args=[thread.pk]), level=level.level,
                       element_id="thread-level", about="for this thread", inherited=not level.own)
