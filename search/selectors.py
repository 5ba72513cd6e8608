"""Searching: what this user may read that matches, best first: on PostgreSQL one query for the newest matches' ids
(their number is the count) and one for the page; on SQLite one for the count and one for the page.

Who may read a document is not decided here: each kind is filtered by its app's own rule, as a subquery
(``readable``): the board's readable forums (messaging.board.selectors.readable_forums, permissions.ReadAccess)
with approved threads and visible replies, and the audience rule's visible_bulletins / visible_incidents
(messaging.bulletins.audience). The index holds only searchable rows besides (search.indexing); the rules still
apply to every row, so a row left behind in the table by a missed signal shows to nobody who may not open it.

PostgreSQL: the stored vector, ``websearch`` syntax ("quoted phrase", or, -exclusion), ts_rank with the newest
first among equals, ts_headline snippets. SQLite: every word must appear in the title or the body (icontains),
newest first, a snippet cut around the first match. Both mark matches with search.indexing's private-use
marks, which search.highlight turns into <mark> after escaping everything else.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from messaging.board.models import Post, Thread
from messaging.board.selectors import readable_forums
from messaging.bulletins.audience import visible_bulletins, visible_incidents
from messaging.bulletins.models import Bulletin, Incident
from search.indexing import START_MARK, STOP_MARK
from search.models import CONFIG, SearchDocument
from sectors.models import Sector

Kind = SearchDocument.Kind
# A query longer than this is cut (and the page says so): no one types more, and the cost of websearch parsing
# and of the SQLite fallback's LIKEs grows with it.
MAX_QUERY_LENGTH = 200
# The SQLite fallback's words: each is one more LIKE over the table.
MAX_WORDS = 8
# Counted and listed at most: past this the page says "more than" and asks for more words or a filter; a
# common word then costs a bounded count, not one over the whole board.
MAX_RESULTS = 1000
HUB = "hub"  # the ``where`` value for the cross-sector Hub forum (the others are sector slugs)
SNIPPET_CHARS = 220
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Criteria:
    """What to look for (the search form's cleaned values)."""

    text: str
    kind: str = ""  # one of Kind, or "" for every kind
    where: Sector | str | None = None  # a sector, HUB, or None for everywhere
    author: str = ""  # part of the author's display name
    since: date | None = None
    until: date | None = None

    @property
    def searchable(self) -> bool:
        """Whether the text has anything to search for (letters or digits, not only punctuation)."""
        return bool(_WORD.search(self.text))


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def readable(user) -> Q:
    """The documents this user may open, by each app's own rule (see the module's docstring)."""
    forums = readable_forums(user).values("pk")
    threads = Thread.objects.approved().filter(forum__in=forums)
    replies = Post.objects.filter(hidden=False, thread__in=threads)
    bulletins = visible_bulletins(user).published()
    return (Q(kind=Kind.THREAD, forum__in=forums, object_id__in=threads.values("pk"))
            | Q(kind=Kind.POST, forum__in=forums, object_id__in=replies.values("pk"))
            | Q(kind=Kind.BULLETIN, object_id__in=bulletins.values("pk"))
            | Q(kind=Kind.INCIDENT, object_id__in=visible_incidents(user).values("pk")))


def _where(where: Sector | str) -> Q:
    if where == HUB:
        return Q(kind__in=[Kind.THREAD, Kind.POST], forum__sector__isnull=True)
    return (Q(kind__in=[Kind.THREAD, Kind.POST], forum__sector=where)
            | Q(kind=Kind.BULLETIN, object_id__in=Bulletin.objects.filter(sectors=where).values("pk"))
            | Q(kind=Kind.INCIDENT, object_id__in=Incident.objects.filter(sectors=where).values("pk")))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(user, criteria: Criteria) -> QuerySet[SearchDocument]:
    """The user's readable documents that the filters (not the words) select."""
    documents = SearchDocument.objects.filter(readable(user))
    if criteria.kind:
        documents = documents.filter(kind=criteria.kind)
    if criteria.where is not None:
        documents = documents.filter(_where(criteria.where))
    if criteria.author:
        documents = documents.filter(author__display_name__icontains=criteria.author)
    if criteria.since:
        documents = documents.filter(created_at__gte=_start_of(criteria.since))
    if criteria.until:
        documents = documents.filter(created_at__lt=_start_of(criteria.until + timedelta(days=1)))
    return documents


def matching(user, criteria: Criteria) -> QuerySet[SearchDocument]:
    """The documents the user may open that the words and the filters select (no order, nothing extra)."""
    documents = filtered(user, criteria)
    if uses_full_text():
        return documents.filter(vector=_query(criteria))
    for word in words_of(criteria.text):
        documents = documents.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return documents


def results(user, criteria: Criteria) -> tuple[int, QuerySet[SearchDocument]]:
    """How many match (counted up to MAX_RESULTS + 1: more means "more than MAX_RESULTS"), and the matching
    documents the user may open, best first, with what the results page shows: the thread (a reply's title), forum
    and author in the same query; on PostgreSQL ``marked_title`` and ``marked_body`` (ts_headline, with the
    private-use marks; search.highlight finishes them), worked out for the page's rows only (PostgreSQL computes
    costly output columns after the LIMIT)."""
    if not uses_full_text():
        documents = matching(user, criteria)
        total = documents[: MAX_RESULTS + 1].count()
        return total, documents.select_related("forum", "thread", "author").defer("vector").order_by(
            "-created_at", "-id")
    # Only the newest MAX_RESULTS matches are counted and ranked, read once as ids (from the created_at index):
    # a word that most of the board says would otherwise have every one of its rows counted, ranked and sorted
    # before the first twenty are known (a second for 280,000 posts).
    newest = list(matching(user, criteria).order_by("-created_at", "-id").values_list("pk", flat=True)
                  [: MAX_RESULTS + 1])
    query = _query(criteria)
    marks = {"start_sel": START_MARK, "stop_sel": STOP_MARK, "config": CONFIG}
    documents = (SearchDocument.objects.filter(pk__in=newest[:MAX_RESULTS])
                 .select_related("forum", "thread", "author").defer("vector", "body")  # the body's snippet only
                 .annotate(rank=SearchRank(F("vector"), query),
                           marked_title=SearchHeadline("title", query, highlight_all=True, **marks),
                           marked_body=SearchHeadline("body", query, max_words=35, min_words=15, max_fragments=2,
                                                      fragment_delimiter=" … ", **marks))
                 .order_by("-rank", "-created_at", "-id"))
    return len(newest), documents


def _query(criteria: Criteria) -> SearchQuery:
    return SearchQuery(criteria.text, search_type="websearch", config=CONFIG)


def words_of(text: str) -> list[str]:
    """The SQLite fallback's words: letters and digits, distinct, at most MAX_WORDS."""
    return list(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:MAX_WORDS]
