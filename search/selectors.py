"""Searching: what this user may read that matches, best first, and how many: one query for a page and its count,
whatever matches (``results``).

Who may read a document is not decided here: each kind is filtered by its app's own rule (``readable``): the
board's readable forums (messaging.board.selectors.readable_forums, permissions.ReadAccess) with the thread
approved and the reply visible, read from the board's own rows, and the audience rule's visible_bulletins /
visible_incidents (messaging.bulletins.audience). The index holds only searchable rows besides
(search.indexing); the rules still apply to every row, so a row left behind in the table by a missed signal
shows to nobody who may not open it.

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
from django.db.models import Count, F, Q, QuerySet, Window
from django.utils import timezone

from common.db import planned_for_these_values
from messaging.board.models import Forum, Thread
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


def readable(user, kind: str = "") -> Q:
    """The documents this user may open (of this kind, if one is given), by each app's own rule (see the module's
    docstring).

    Threads and replies are checked against the board as it is now, through the document's own foreign keys:
    its thread approved and in a forum the user reads, a reply not hidden. PostgreSQL makes those joins for the
    rows it reads (by primary key, newest first, until it has enough), where ``IN (the visible posts of approved
    threads)`` made it hash every readable post's id first (300,000 on the big data set). The document's own
    forum (one the user reads, or none: bulletins and incidents) is a condition on the row's own column, ahead
    of the joins: PostgreSQL applies it as it reads the index, so someone who reads two small forums does not
    pay for a join per row of the others'.

    Bulletins or incidents alone need only their own rule (the board's joins would cost every thread). Threads
    or replies alone keep the whole rule: the board's rule on its own is all ANDs, which PostgreSQL turns into
    joins that sort every match before the newest are known (300 ms instead of 5 for a word every reply has);
    the OR keeps it reading newest first."""
    bulletins = Q(kind=Kind.BULLETIN, object_id__in=visible_bulletins(user).published().values("pk"))
    incidents = Q(kind=Kind.INCIDENT, object_id__in=visible_incidents(user).values("pk"))
    if kind in (Kind.BULLETIN, Kind.INCIDENT):
        return bulletins if kind == Kind.BULLETIN else incidents
    forums = readable_forums(user).values("pk")
    board = Q(thread__status=Thread.Status.APPROVED, thread__forum__in=forums)
    return (Q(forum__in=forums) | Q(forum__isnull=True)) & (
        Q(kind=Kind.THREAD) & board | Q(kind=Kind.POST, post__hidden=False) & board | bulletins | incidents)


def _where(where: Sector | str) -> Q:
    """The documents in a sector (its forum's, its bulletins and incidents) or in the Hub forum: the document's own
    columns (a filter, not a rule: readable() has already said what the user may open)."""
    if where == HUB:
        return Q(forum__in=Forum.objects.filter(sector__isnull=True).values("pk"))
    return (Q(kind__in=[Kind.THREAD, Kind.POST], forum__in=Forum.objects.filter(sector=where).values("pk"))
            | Q(kind=Kind.BULLETIN, object_id__in=Bulletin.objects.filter(sectors=where).values("pk"))
            | Q(kind=Kind.INCIDENT, object_id__in=Incident.objects.filter(sectors=where).values("pk")))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(user, criteria: Criteria) -> QuerySet[SearchDocument]:
    """The user's readable documents that the filters (not the words) select."""
    documents = SearchDocument.objects.filter(readable(user, criteria.kind))
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


@dataclass(frozen=True)
class ResultPage:
    """One page of a search's results."""

    total: int  # how many match, counted up to MAX_RESULTS + 1 (more means "more than MAX_RESULTS")
    number: int  # the page's number: a number past the last page gets the last page, as Paginator.get_page does
    documents: list[SearchDocument]

    @property
    def more(self) -> bool:
        return self.total > MAX_RESULTS

    @property
    def listed(self) -> int:
        """How many the pages list."""
        return min(self.total, MAX_RESULTS)


def results(user, criteria: Criteria, *, page: int, per_page: int) -> ResultPage:
    """A page of the matching documents the user may open, best first, and how many match: one query, whatever
    matches (nothing, or a word every post has). A page number past the last costs two queries more (an address
    kept from an earlier search) and gets the last page.

    The candidates are the newest MAX_RESULTS + 1 matches, read newest first from the created_at index (a word
    most of the board says would otherwise have every one of its rows counted, ranked and sorted before the
    first twenty are known: a second for 280,000 posts); the query counts them (a window over them, so the
    count comes with the page) and orders them best first (PostgreSQL: rank, then newest; SQLite: newest); the
    pages list the first MAX_RESULTS of that order."""
    ranked = _ranked(user, criteria)
    pages = max(1, -(-MAX_RESULTS // per_page))
    number = min(max(page, 1), pages)
    with planned_for_these_values():  # how many rows a word matches decides the plan
        documents = _slice(ranked, number, per_page)
        if documents or number == 1:
            return ResultPage(documents[0].total if documents else 0, number, documents)
        first = _slice(ranked, 1, 1)
        total = first[0].total if first else 0
        number = max(1, -(-min(total, MAX_RESULTS) // per_page))
        return ResultPage(total, number, _slice(ranked, number, per_page) if total else [])


def _slice(ranked: QuerySet[SearchDocument], number: int, per_page: int) -> list[SearchDocument]:
    # Never past the MAX_RESULTS-th: one candidate more than are listed is read, to know there are more.
    return list(ranked[(number - 1) * per_page: min(number * per_page, MAX_RESULTS)])


def _ranked(user, criteria: Criteria) -> QuerySet[SearchDocument]:
    """The candidates (see results) best first, each with ``total`` (how many candidates) and what the results
    page shows: the thread (a reply's title), forum and author in the same query; on PostgreSQL ``marked_title``
    and ``marked_body`` (ts_headline, with the private-use marks; search.highlight finishes them), worked out for
    the page's rows only (PostgreSQL computes costly output columns after the LIMIT)."""
    candidates = matching(user, criteria).order_by("-created_at", "-id").values("pk")[: MAX_RESULTS + 1]
    documents = (SearchDocument.objects.filter(pk__in=candidates).select_related("forum", "thread", "author")
                 .annotate(total=Window(Count("pk"))))
    if not uses_full_text():
        return documents.defer("vector").order_by("-created_at", "-id")
    query = _query(criteria)
    marks = {"start_sel": START_MARK, "stop_sel": STOP_MARK, "config": CONFIG}
    return (documents.defer("vector", "body")  # the body's snippet only
            .annotate(rank=SearchRank(F("vector"), query),
                      marked_title=SearchHeadline("title", query, highlight_all=True, **marks),
                      marked_body=SearchHeadline("body", query, max_words=35, min_words=15, max_fragments=2,
                                                 fragment_delimiter=" … ", **marks))
            .order_by("-rank", "-created_at", "-id"))


def _query(criteria: Criteria) -> SearchQuery:
    return SearchQuery(criteria.text, search_type="websearch", config=CONFIG)


def words_of(text: str) -> list[str]:
    """The SQLite fallback's words: letters and digits, distinct, at most MAX_WORDS."""
    return list(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:MAX_WORDS]
