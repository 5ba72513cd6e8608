"""Quotes of other posts, kept as references and shown from the quoted post as it is now.

A reply that quotes a post stores a reference line, ``> [quote=123]``, not a copy of the text (the Quote button
writes one; a pasted copy of a post of the same thread is turned into one when the reply is saved). The
reference goes through the text pipeline like any text (stored as ``<blockquote><p>[quote=123]</p></blockquote>``),
and the thread page puts the quoted post's own stored HTML in its place when it shows the page. So a quote
follows the quoted post: edited, it shows the edit; hidden by a moderator, every quote of it reads
"[hidden by a moderator]" (and the text is back when it is shown again). Nothing of a hidden post survives in the
posts that quoted it: not in their stored HTML, not in their Markdown.

Only posts of the same thread are shown in a quote, so a reference to another thread's post shows nothing of
it, whoever wrote it.
"""

import re
from collections.abc import Iterable

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from common.text import stored_html
from messaging.board.models import Post, Thread

# What the pipeline makes of a reference line, quoted ("> [quote=12]") or not ("[quote=12]").
_STORED = re.compile(r"<blockquote>\s*<p>\[quote=(\d{1,18})\]</p>\s*</blockquote>|<p>\[quote=(\d{1,18})\]</p>")
# A reference line in Markdown.
_TYPED = re.compile(r"^[ \t]*(?:>[ \t]*)?\[quote=(\d{1,18})\][ \t]*$", re.MULTILINE)
HIDDEN = "[hidden by a moderator]"


def reference(post_id: int) -> str:
    """The Markdown a reply carries for a quote of this post."""
    return f"> [quote={post_id}]"


def quoted_ids(html: str) -> set[int]:
    """The posts this stored HTML quotes."""
    return {int(a or b) for a, b in _STORED.findall(html or "")}


def _without_nested(html: str) -> str:
    # A quote shows the quoted post's own words; its quotes of others become a plain note, not a second level.
    return _STORED.sub('<blockquote><p class="text-muted fst-italic">[an earlier quote]</p></blockquote>', html)


def _quote_html(post_id: int, quoted: dict[int, Post]) -> str:
    post = quoted.get(post_id)
    if post is None:
        return ('<blockquote class="quote"><p class="text-muted fst-italic mb-0">[quoted post not available]</p>'
                "</blockquote>")
    author = post.author.display_name if post.author else "Former member"
    heading = format_html('<p class="quote-source small text-muted mb-1"><a href="{}">{} wrote</a>:</p>',
                          post.get_absolute_url(), author)
    if post.hidden:
        body = format_html('<p class="text-muted fst-italic mb-0">{}</p>', HIDDEN)
    else:
        body = _without_nested(stored_html(post.body_html))
    return f'<blockquote class="quote">{heading}{body}</blockquote>'


def render(html: str, quoted: dict[int, Post]) -> SafeString:
    """Stored HTML with each quote reference replaced by the quoted post as it is now (``quoted``: the posts it
    may show, by id; any other reference shows as not available)."""
    if "[quote=" not in (html or ""):
        return stored_html(html)
    # Everything put in is either stored HTML (sanitised when written) or escaped by format_html.
    return mark_safe(_STORED.sub(lambda m: _quote_html(int(m.group(1) or m.group(2)), quoted), html))  # noqa: S308


def quotable_posts(thread: Thread, ids: Iterable[int]) -> dict[int, Post]:
    """The posts of this thread among ``ids``, with their authors: one query (none without ids)."""
    ids = set(ids)
    if not ids:
        return {}
    posts = Post.objects.filter(thread=thread, pk__in=ids).select_related("author").only(
        "pk", "thread_id", "hidden", "body_html", "author__display_name")
    return {post.pk: post for post in posts}


def with_quotes(thread: Thread, posts: list[Post]) -> list[Post]:
    """The page's posts, each with ``shown_html``: its stored HTML with its quotes filled in from the live posts
    (one query for the page's quotes, none when nothing is quoted)."""
    quoted = quotable_posts(thread, {pk for post in posts for pk in quoted_ids(post.body_html)})
    for post in posts:
        post.shown_html = render(post.body_html, quoted)
    return posts


# Writing: pasted copies become references ---------------------------------------------------------------------


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of quoted lines ("> ...")."""
    blocks, start = [], None
    for number, line in enumerate([*lines, ""]):
        if line.lstrip().startswith(">"):
            start = number if start is None else start
        elif start is not None:
            blocks.append((start, number))
            start = None
    return blocks


def _unquoted(lines: list[str]) -> str:
    return "\n".join(re.sub(r"^\s*> ?", "", line) for line in lines).strip()


def references_for_copies(thread: Thread, body: str) -> str:
    """The body with each quoted copy of a post of this thread ("Name wrote:" and "> " lines, as the Quote button
    wrote them before it wrote references, or pasted by hand) replaced by a reference to that post, so that the
    quote follows the post (hidden, edited). Whatever is not a whole post's text stays as it was typed."""
    lines = body.replace("\r\n", "\n").split("\n")
    blocks = [(start, end, _unquoted(lines[start:end])) for start, end in _blocks(lines)]
    texts = {text for _, _, text in blocks if text and not _TYPED.fullmatch(text)}
    if not texts:
        return body
    candidates = texts | {text.replace("\n", "\r\n") for text in texts}
    found = Post.objects.filter(thread=thread, body__in=candidates).select_related("author")
    by_text = {}
    for post in found.order_by("created_at", "id"):
        by_text.setdefault(post.body.replace("\r\n", "\n").strip(), post)
    if not by_text:
        return body
    for start, end, text in reversed(blocks):
        post = by_text.get(text)
        if post is None:
            continue
        author = post.author.display_name if post.author else ""
        if start > 0 and author and lines[start - 1].strip() == f"{author} wrote:":
            start -= 1
        lines[start:end] = [reference(post.pk)]
    return "\n".join(lines)
