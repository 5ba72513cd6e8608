"""{% post_card post %}: one post of the thread page (board/thread_detail.html), as HTML.

The thread page shows twenty posts, and rendering them through a template partial (the former board/_post.html)
was most of the page's work: some forty variable lookups, conditions and filters per post in the template engine.
Written here with format_html, a post costs a fraction of that (issue 13: pages within 3x of /healthz). What it
shows, and to whom, is what the partial said, from the page's context:

- the author's name (``Former member`` for a deleted account), their verified role badges (the shared partial
  includes/role_badges.html, for the few authors who hold one) and organisation; when it was written and edited,
  with a link to its history for the forum's moderators;
- its stored HTML with its quotes filled in (``post.shown_html``, messaging.board.quotes) and the hidden reference
  the Quote button copies; a hidden post shows only that it was hidden, except to moderators, who see it marked;
- the actions: Quote (``can_reply``), Edit (its author, unless the thread is locked; moderators), Report (in an
  approved thread; "You reported this post" once the reader has, ``reported``) and Hide/Unhide (moderators).

Everything the user wrote (names, organisation, a hidden post's reason) is escaped here (html.escape, as Django's
escape filter does); the post's body is the sanitised HTML stored when it was written (common.text), already safe.
The card is built as plain strings and marked safe once, at the end: format_html per fragment cost more than the
template did.
"""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from common.urls import object_url

register = template.Library()

DATE_FORMAT = "j M Y H:i"
_CSRF_TOKEN = CsrfTokenNode()


def _author(post, pid: str) -> str:
    author = post.author
    name = escape((author.display_name if author else "") or "Former member")
    badges = render_to_string("includes/role_badges.html", {"badges": post.author_badges}) if post.author_badges else ""
    organisation = f" · {escape(author.organisation.name)}" if author and author.organisation else ""
    return f'<span id="post-{pid}-author"><strong>{name}</strong>{badges}{organisation}</span>'


def _when(context, post, pid: str, can_moderate: bool) -> str:
    written = dateformat.format(template_localtime(post.created_at, context.use_tz), DATE_FORMAT)
    edited = ""
    if post.edited_at:
        history = (f' (<a href="{object_url("board:post_history", pid)}">history</a>)'
                   if can_moderate and post.has_history else "")
        edited = f" · edited{history}"
    return f'<span class="text-muted">{written}{edited}</span>'


def _body(post, pid: str, can_moderate: bool) -> str:
    if post.hidden and not can_moderate:
        return '\n      <p class="text-muted fst-italic mb-0">This post was hidden by a moderator.</p>\n    '
    hidden = ""
    if post.hidden:
        reason = f": {escape(post.hidden_reason)}" if post.hidden_reason else ""
        hidden = f'<p class="small text-warning-emphasis">Hidden from members{reason}</p>'
    shown = conditional_escape(post.shown_html)  # stored, sanitised HTML: safe already
    return (f'\n      {hidden}\n      <div class="user-text" id="post-{pid}-body">{shown}</div>\n'
            f'      <textarea class="d-none" id="post-{pid}-source" aria-hidden="true" tabindex="-1" readonly>'
            f"[quote={pid}]</textarea>\n    ")


def _actions(context, post, pid: str, can_moderate: bool) -> str:
    thread, user = context["thread"], context["user"]
    parts = []
    if context.get("can_reply"):
        parts.append('<button type="button" class="btn btn-link btn-sm p-0 js-quote d-none" '
                     f'data-source="post-{pid}-source">Quote</button>')
    if (post.author_id == user.pk and not thread.locked) or can_moderate:
        parts.append(f'<a class="btn btn-link btn-sm p-0" href="{object_url("board:post_edit", pid)}">Edit</a>')
    if thread.status == "approved":
        if post.pk in context.get("reported", ()):
            parts.append('<span class="text-muted">You reported this post</span>')
        else:
            parts.append(f'<a class="btn btn-link btn-sm p-0" href="{object_url("board:post_report", pid)}">Report</a>')
    if can_moderate:
        action = object_url("board:post_unhide" if post.hidden else "board:post_hide", pid)
        confirm = "" if post.hidden else ' data-confirm="Hide this post from members?"'
        parts.append(f'<form method="post" action="{action}">{_CSRF_TOKEN.render(context)}'
                     f'<button class="btn btn-link btn-sm p-0" type="submit"{confirm}>'
                     f'{"Unhide" if post.hidden else "Hide"}</button></form>')
    joined = "\n    ".join(parts)
    return f'\n  <div class="card-footer d-flex flex-wrap gap-2 small">\n    {joined}\n  </div>\n  '


@register.simple_tag(takes_context=True)
def post_card(context, post) -> SafeString:
    """The post's card; the page's context gives thread, user, can_moderate, can_reply and reported."""
    pid = str(int(post.pk))
    can_moderate = bool(context.get("can_moderate"))
    actions = _actions(context, post, pid, can_moderate) if not post.hidden or can_moderate else ""
    card = (
        f'<article class="card mb-3{" border-warning" if post.hidden else ""}" id="post-{pid}" '
        f'aria-labelledby="post-{pid}-author">\n'
        '  <div class="card-header d-flex flex-wrap justify-content-between gap-2 small">\n'
        f"    {_author(post, pid)}\n    {_when(context, post, pid, can_moderate)}\n  </div>\n"
        f'  <div class="card-body">{_body(post, pid, can_moderate)}</div>\n  {actions}</article>\n'
    )
    # Every piece above is either our own markup, escaped user text, a URL of ours or the stored, sanitised body.
    return mark_safe(card)  # noqa: S308
