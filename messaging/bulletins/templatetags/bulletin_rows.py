"""{% inbox_row delivery %}: one row of the inbox (bulletins/inbox.html), as HTML; {% bulletin_badges bulletin %}: the
badges of a bulletin (bulletins/_badges.html), the same in the inbox's rows and everywhere else.

The inbox shows twenty rows, and each through the template engine (the row's conditions, a date filter, the
badges partial included once per row, the bulletin's address reversed per row) was most of the page's work.
Written here, a row costs a fraction of that (issue 13: pages within 3x of /healthz), as the thread page's
post cards are (messaging/board/templatetags/board_posts.py). It shows what the template did:

- the bulletin's title (struck through and said "Withdrawn" when withdrawn), its incident's title, when it was
  published; "Unread" (and bold) until the reader opens it;
- the badges of bulletins/_badges.html (severity, kind, OFFICIAL-SENSITIVE), "Answer: are you affected?" for a
  check-in's carrier (whose row opens the check-in), "Withdrawn" with the reason, or "Please acknowledge" while
  an acknowledgement asked for is not given.

Every text from the database (titles, the reason) is escaped here (html.escape, as Django's escape filter does).
"""

from html import escape

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from common.urls import object_url

register = template.Library()

DATE_FORMAT = "j M H:i"
UNREAD = '<span class="visually-hidden">Unread: </span>'
WITHDRAWN = '<span class="visually-hidden">Withdrawn: </span>'
CHECK_IN = ' <span class="badge text-bg-info">Answer: are you affected?</span>'


@register.simple_tag
def bulletin_badges(bulletin) -> SafeString:
    """The bulletin's badges (bulletins/_badges.html, on every page that lists bulletins): severity, kind and the
    OFFICIAL-SENSITIVE marking."""
    return mark_safe(badges(bulletin))  # noqa: S308 - escaped values in our own markup


def badges(bulletin) -> str:
    sensitive = '<span class="badge text-bg-dark">OFFICIAL-SENSITIVE</span>' if bulletin.is_sensitive else ""
    return (f'<span class="badge severity-{escape(bulletin.severity)}">{escape(bulletin.get_severity_display())}'
            f'</span>\n<span class="badge text-bg-light border">{escape(bulletin.get_kind_display())}</span>\n'
            f"{sensitive}\n")


@register.simple_tag(takes_context=True)
def inbox_row(context, delivery) -> SafeString:
    bulletin = delivery.bulletin
    try:
        check_in = bulletin.check_in  # the inbox's query reads it with the bulletin (select_related)
    except ObjectDoesNotExist:
        check_in = None
    unread, withdrawn = delivery.read_at is None, bulletin.is_withdrawn
    # Bulletin.get_absolute_url's address, reversed once per process (object_url) rather than once per row.
    url = check_in.get_absolute_url() if check_in else object_url("bulletins:detail", bulletin.pk)
    title = escape(bulletin.title)
    incident = (f'<span class="d-block small fw-normal text-muted">Incident: {escape(bulletin.incident.title)}</span>'
                if bulletin.incident_id and bulletin.incident else "")
    published = (dateformat.format(template_localtime(bulletin.published_at, context.use_tz), DATE_FORMAT)
                 if bulletin.published_at else "")
    if withdrawn:
        state = '<span class="badge text-bg-secondary">Withdrawn</span>'
    elif bulletin.ack_requested and not delivery.acknowledged_at:
        state = '<span class="badge text-bg-warning">Please acknowledge</span>'
    else:
        state = ""
    marks = (UNREAD if unread else "") + (WITHDRAWN if withdrawn else "")
    shown_title = f'<span class="withdrawn-text">{title}</span>' if withdrawn else title
    reason = f'<div class="small fw-normal">Withdrawn: {escape(bulletin.withdrawal_reason)}</div>' if withdrawn else ""
    row = (
        f'<a class="list-group-item list-group-item-action{" fw-semibold unread" if unread else ""}" '
        f'href="{escape(url)}" data-bulletin="{int(bulletin.pk)}">\n'
        '        <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        f"          <span>{marks}{shown_title}{incident}</span>\n"
        f'          <small class="text-muted">{published}</small>\n'
        "        </div>\n"
        f'        <div class="small">{badges(bulletin)}{CHECK_IN if check_in else ""}\n'
        f"          {state}\n"
        "        </div>\n"
        f"        {reason}\n"
        "      </a>"
    )
    # Our own markup, escaped text from the database and addresses of ours.
    return mark_safe(row)  # noqa: S308
