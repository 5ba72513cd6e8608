"""The board's corner on other apps' pages: a sector's page shows its forum's latest threads through this tag,
so the sectors app never imports the board."""

from django import template

from messaging.board import permissions, selectors

register = template.Library()


@register.inclusion_tag("board/_recent_threads.html", takes_context=True)
def recent_forum_threads(context, sector) -> dict:
    """The latest approved threads of the sector's forum, for readers of that forum only (officers and leads
    may see a sector's page without reading its forum)."""
    user = context["request"].user
    forum = getattr(sector, "forum", None)
    if forum is None or not permissions.can_read(user, forum):
        return {"threads": []}
    return {"threads": list(selectors.recent_threads(forum=forum))}
