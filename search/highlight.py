"""Turning a search's documents into what the results page shows, safely.

A snippet arrives as plain text with private-use marks around the matches (ts_headline's start and stop
selection on PostgreSQL, ``mark_words`` on SQLite). Everything in it is escaped first; only then do the marks
become <mark> elements. The marks are taken out of every stored text (search.indexing), so nothing a user wrote
can open or close one, and whatever markup a user typed comes out as text.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search.indexing import START_MARK, STOP_MARK
from search.models import SearchDocument
from search.selectors import SNIPPET_CHARS

Kind = SearchDocument.Kind
_MARKED = re.compile(f"{START_MARK}([^{START_MARK}{STOP_MARK}]*){STOP_MARK}")
_STRAY = str.maketrans("", "", START_MARK + STOP_MARK)


def marked_html(text: str) -> SafeString:
    """Plain text with marks, as HTML: escaped, each marked stretch in <mark>, stray marks dropped."""
    escaped = _MARKED.sub(r"<mark>\1</mark>", escape(text or ""))
    return mark_safe(escaped.translate(_STRAY))  # noqa: S308 - escaped above; only <mark> added


def mark_words(text: str, words: list[str], *, cut: bool = False) -> str:
    """The SQLite fallback's ts_headline: marks around every case-insensitive occurrence of the words, and
    (``cut``) only about SNIPPET_CHARS around the first one, with an ellipsis where text was left out."""
    text = text or ""
    if not words:
        return text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else "") if cut else text
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)), re.I)
    if cut:
        first = pattern.search(text)
        start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
        end = start + SNIPPET_CHARS
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return pattern.sub(lambda match: f"{START_MARK}{match.group(0)}{STOP_MARK}", text)


@dataclass(frozen=True)
class Result:
    kind: str
    kind_label: str
    url: str
    title_html: SafeString
    snippet_html: SafeString
    where: str
    author: str
    when: datetime


def _url(document: SearchDocument) -> str:
    if document.kind == Kind.THREAD:
        return reverse("board:thread", args=[document.object_id])
    if document.kind == Kind.POST:
        thread = reverse("board:thread", args=[document.thread_id])
        return f"{thread}?post={document.object_id}#post-{document.object_id}"
    if document.kind == Kind.BULLETIN:
        return reverse("bulletins:detail", args=[document.object_id])
    return reverse("bulletins:incident_detail", args=[document.object_id])


def present(documents: list[SearchDocument], words: list[str]) -> list[Result]:
    """The page's results. ``words`` are the SQLite fallback's (for its marks); on PostgreSQL the documents
    carry ts_headline's marked title and body."""
    results = []
    for document in documents:
        if hasattr(document, "marked_body"):
            title, snippet = document.marked_title, document.marked_body
        else:
            title, snippet = mark_words(document.title, words), mark_words(document.body, words, cut=True)
        if document.kind == Kind.POST:  # a reply is found by its words; it is listed under its thread's title
            title = f"Re: {(document.thread.title if document.thread else '').translate(_STRAY)}"
        where = {Kind.BULLETIN: "Bulletins", Kind.INCIDENT: "Incidents"}.get(
            document.kind, document.forum.name if document.forum else "")
        results.append(Result(
            kind=document.kind, kind_label=document.get_kind_display(), url=_url(document),
            title_html=marked_html(title), snippet_html=marked_html(snippet), where=where,
            author=(document.author.display_name if document.author else ""), when=document.created_at,
        ))
    return results
