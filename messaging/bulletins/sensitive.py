"""OFFICIAL-SENSITIVE on the portal itself: each reading logged (SensitiveView) and listed for officers, and the
viewer's watermark on the page.

Off the portal the rule is one constant, ``models.SENSITIVE_PLACEHOLDER`` (``Bulletin.title_outside``), used
by every channel: the live payload (payloads.py), e-mail (tasks.py and its template), the delivery report's
CSV (exports.py), CAP (cap.py) and the feeds (messaging.feeds). tests/bulletins/test_sensitive_channels.py
walks them all."""

from django.db.models import QuerySet
from django.utils import timezone

from messaging.bulletins.models import Bulletin, SensitiveView

# How many times the watermark's text is laid on the page: enough to cover a long page on a wide screen.
WATERMARK_TILES = 120


def record_view(bulletin: Bulletin, user) -> SensitiveView | None:
    """Log one opening of a sensitive bulletin's page by ``user`` (nothing for any other bulletin). Every opening
    is a row, a reload too: who read it how often, and when, is what an inquiry after a leak asks."""
    if not bulletin.is_sensitive:
        return None
    return SensitiveView.objects.create(bulletin=bulletin, user=user)


def views_of(bulletin: Bulletin) -> QuerySet[SensitiveView]:
    """Its readings, newest first, with each reader and their organisation (one query a page)."""
    return (SensitiveView.objects.filter(bulletin=bulletin).select_related("user__organisation")
            .order_by("-viewed_at", "-pk"))


def watermark_text(user) -> str:
    """Who is looking, and when: the viewer's name and organisation (their e-mail address when they have none,
    as officers may not), and the time the page was made."""
    who = user.organisation.name if user.organisation_id else user.email
    return f"{user.display_name} · {who} · {timezone.localtime():%-d %b %Y %H:%M}"
