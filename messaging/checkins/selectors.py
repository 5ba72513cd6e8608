"""Reads about check-ins that views and services share."""

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, QuerySet

from accounts import roles
from accounts.models import User
from messaging.bulletins.models import Bulletin, Delivery
from messaging.checkins.models import Answer, AnswerChange, ChaseAttempt, CheckIn, Choice
from sectors.models import Borough, Membership, Organisation, Sector
from sectors.permissions import led_sector_ids


def asking_deliveries(check_in: CheckIn) -> QuerySet[Delivery]:
    """The deliveries of the check-in's carrier through which it asks an organisation: to an active member still
    with the organisation they were with when it was published (the audience rule chose them then). A member who
    has moved to another organisation since does not take the question along."""
    return Delivery.objects.filter(bulletin_id=check_in.carrier_id, user__is_active=True,
                                   organisation_id=F("user__organisation_id"))


def asked_organisations(check_in: CheckIn, *, sector_ids: Iterable[int] | None = None) -> QuerySet[Organisation]:
    """The organisations a check-in asks (``asking_deliveries``). With ``sector_ids``: only through members
    approved in those sectors (a lead's share)."""
    asking = asking_deliveries(check_in)
    if sector_ids is not None:
        asking = asking.filter(user_id__in=Membership.objects.approved().filter(sector__in=list(sector_ids))
                               .values("user_id"))
    return Organisation.objects.filter(pk__in=asking.values("organisation_id"))


# A member's own organisation, the tally (helper D's; the officers' grid and chase reads follow below) -----------


def organisation_answer(check_in: CheckIn, organisation_id: int | None) -> Answer | None:
    """The organisation's current answer, with what its page shows of it (one query)."""
    if organisation_id is None:
        return None
    return (Answer.objects.filter(check_in=check_in, organisation_id=organisation_id)
            .select_related("choice", "answered_by", "borough").first())


def answer_history(check_in: CheckIn, organisation_id: int | None) -> QuerySet[AnswerChange]:
    """Every answer the organisation gave, oldest first: who, when, what (one query)."""
    return (AnswerChange.objects.filter(check_in=check_in, organisation_id=organisation_id)
            .select_related("choice", "by", "borough").order_by("at", "pk"))


def premises_boroughs_of(organisation_ids: Iterable[int]) -> dict[int, list[Borough]]:
    """``premises_boroughs`` for a page of organisations (the chase page's forms), in one query: every borough,
    joined to those organisations' premises there (the condition in the join: no other premises are read)."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    quote = connection.ops.quote_name
    sql = (f"SELECT b.id, b.name, p.organisation_id FROM {quote(Borough._meta.db_table)} b "  # noqa: S608
           f"LEFT JOIN {quote(Organisation.boroughs.through._meta.db_table)} p ON p.borough_id = b.id "
           f"AND p.organisation_id IN ({', '.join(['%s'] * len(ids))}) ORDER BY b.name, b.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    everywhere: dict[int, Borough] = {}
    boroughs: dict[int, list[Borough]] = {pk: [] for pk in ids}
    for pk, name, organisation_id in rows:
        borough = everywhere.setdefault(pk, Borough.from_db(connection.alias, ["id", "name"], [pk, name]))
        if organisation_id is not None:
            boroughs[organisation_id].append(borough)
    return {pk: found or list(everywhere.values()) for pk, found in boroughs.items()}


def premises_boroughs(organisation_id: int | None) -> list[Borough]:
    """Where the organisation has premises: the answer's borough is one of them (any borough when none are
    recorded). The answer page's list; a posted answer reads the same rule in ``answering``'s query."""
    if not organisation_id:
        return list(Borough.objects.order_by("name", "pk"))
    return premises_boroughs_of([organisation_id])[organisation_id]


@dataclass
class Answering:
    """A check-in as a posted answer needs it: the check-in itself (its id, question, incident and carrier; when
    open, its empty ``closed_at`` too: a closed one's stays unread), whether its carrier reached the user and
    whether it asks their present organisation (``asking_deliveries``), the user's organisation (id and name), the
    check-in's choices in order and the boroughs of the organisation's
    premises (``premises_boroughs``' rule), each as a model instance."""

    check_in: CheckIn
    delivered: bool
    asks: bool  # delivered while the user was with their present organisation: it asks that organisation
    organisation: Organisation | None
    choices: list[Choice]
    boroughs: list[Borough]


# Answers come in by the thousand a minute during an incident: one statement for everything checking and validating
# one needs, written as SQL because building the four ORM queries it replaces cost more than the database took to
# answer them. Each part is tagged by its first column; a choice's position and "needs contact" ride in columns 4
# and 6, a borough's name and a choice's label in column 3 (the choices sort by position, the boroughs by name).
# Only the models' own table names, quoted, go into the text; the values are parameters.
_ANSWERING = """
    SELECT 'K', c.id, c.question, c.incident_id, c.carrier_id, CASE WHEN c.closed_at IS NULL THEN 1 ELSE 0 END,
           COALESCE((SELECT CASE WHEN d.organisation_id = %s THEN 2 ELSE 1 END FROM {delivery} d
                     WHERE d.bulletin_id = c.carrier_id AND d.user_id = %s), 0)
    FROM {checkin} c WHERE c.id = %s
    UNION ALL
    SELECT 'C', ch.id, ch.label, ch.position, NULL, CASE WHEN ch.needs_contact THEN 1 ELSE 0 END, NULL
    FROM {choice} ch WHERE ch.check_in_id = %s
    UNION ALL
    SELECT 'O', o.id, o.name, NULL, NULL, NULL, NULL FROM {organisation} o WHERE o.id = %s
    UNION ALL
    SELECT 'B', b.id, b.name, NULL, NULL, NULL, NULL FROM {borough} b
    WHERE b.id IN (SELECT p.borough_id FROM {premises} p WHERE p.organisation_id = %s)
       OR NOT EXISTS (SELECT 1 FROM {premises} p WHERE p.organisation_id = %s)
    ORDER BY 1, 4, 3
"""


# The largest id a BigAutoField holds (PostgreSQL's bigint; SQLite's integer).
BIGGEST_ID = 2**63 - 1


@functools.cache
def _answering_sql() -> str:
    quote = connection.ops.quote_name
    tables = {"delivery": Delivery, "checkin": CheckIn, "choice": Choice, "organisation": Organisation,
              "borough": Borough, "premises": Organisation.boroughs.through}
    return _ANSWERING.format(**{name: quote(model._meta.db_table) for name, model in tables.items()})


def answering(user, pk: int) -> Answering | None:
    """Check-in ``pk`` as answering it needs it (see ``Answering``), for this user and their organisation, in one
    query; None when there is no such check-in. Whether the user may answer it is permissions' to say."""
    if not 0 < pk <= BIGGEST_ID:
        return None  # the URL's digits may be more than an id column holds: no such check-in, as the ORM says
    organisation_id = user.organisation_id
    with connection.cursor() as cursor:
        cursor.execute(_answering_sql(), [organisation_id, user.pk, pk, pk, organisation_id, organisation_id,
                                          organisation_id])
        rows = cursor.fetchall()
    db = connection.alias
    check_in, reached, organisation = None, 0, None
    choices: list[Choice] = []
    boroughs: list[Borough] = []
    for kind, row_id, text, number, carrier_id, flag, delivery in rows:
        if kind == "K":
            # from_db: the instance the ORM gives for .only() of these fields (the others load when read).
            fields, values = ["id", "question", "incident_id", "carrier_id"], [row_id, text, number, carrier_id]
            if flag:
                fields, values = [*fields, "closed_at"], [*values, None]
            reached = delivery
            check_in = CheckIn.from_db(db, fields, values)
        elif kind == "C":
            choices.append(Choice.from_db(db, ["id", "check_in_id", "position", "label", "needs_contact"],
                                          [row_id, pk, number, text, bool(flag)]))
        elif kind == "O":
            organisation = Organisation.from_db(db, ["id", "name"], [row_id, text])
        elif kind == "B":
            boroughs.append(Borough.from_db(db, ["id", "name"], [row_id, text]))
    if check_in is None:
        return None
    # reached: 0 not delivered to the user, 1 delivered while they were with another organisation (or none), 2 asks.
    return Answering(check_in=check_in, delivered=reached > 0, asks=reached == 2, organisation=organisation,
                     choices=choices, boroughs=boroughs)


def tally(check_in: CheckIn) -> dict[str, Any]:
    """How the answers stand: {"answered", "asked", "choices": [{"id", "label", "needs_contact", "count"}]}, in
    the officer's order (three queries). What close_check_in freezes into ``final_tally``."""
    counts = dict(Answer.objects.filter(check_in=check_in).values("choice_id").annotate(n=Count("pk"))
                  .values_list("choice_id", "n"))
    choices = [{"id": choice.pk, "label": choice.label, "needs_contact": choice.needs_contact,
                "count": counts.get(choice.pk, 0)} for choice in check_in.choices.all()]
    return {"answered": sum(counts.values()), "asked": asked_organisations(check_in).count(), "choices": choices}


def check_ins_of_incident(incident_id: int, user, visible: QuerySet[CheckIn]) -> list[CheckIn]:
    """The incident's check-ins this user may see (``visible``: permissions.visible_check_ins), newest first,
    each with ``own_answer`` (the user's organisation's current answer, or None) and ``asked`` (may this user
    answer it): three queries, however many there are (the check-ins with their choices, the asked ones, the
    organisation's answers)."""
    check_ins = list(visible.filter(incident_id=incident_id).distinct()
                     .prefetch_related("choices").order_by("-opened_at", "-pk")[:ROOM_CHECK_INS])
    if not check_ins:
        return []
    asked: set[int] = set()
    answers: dict[int, Answer] = {}
    if user.organisation_id and not roles.is_officer(user):
        asked = set(Delivery.objects.filter(user=user, organisation_id=user.organisation_id,
                                            bulletin_id__in=[c.carrier_id for c in check_ins if c.carrier_id])
                    .values_list("bulletin_id", flat=True))
        answers = {answer.check_in_id: answer for answer in
                   Answer.objects.filter(check_in__in=check_ins, organisation_id=user.organisation_id)
                   .select_related("choice", "answered_by")}
    for check_in in check_ins:
        check_in.asked = check_in.carrier_id in asked
        check_in.own_answer = answers.get(check_in.pk)
    return check_ins


# The incident room lists this many check-ins of an incident, newest first.
ROOM_CHECK_INS = 10


# The officers' grid (helper E) ---------------------------------------------------------------------------------
#
# Rows are the sectors of the audience, columns the boroughs answers give (and "borough not given"); an
# organisation counts in every sector in which it has an approved member the check-in asked. Every figure is
# counted in the database (GROUP BY over the asked (organisation, sector) pairs) and the organisations of each
# cell come from ONE ranked query capped per cell, so the page costs the same few queries at 10 organisations and
# at 10,000.

NAMES_PER_CELL = 3  # the rest behind "and N more": 825 cells at 10,000 organisations
# The newest "need police contact" answers shown with their contacts; the rest behind "see them all". The grid is
# fetched again about once a second while answers come in: a hundred contact cards cost as much as the table.
PINNED_LIMIT = 25
# A lead-recorded pinned answer lists this many of the organisation's members to call (the chase page has them all).
PINNED_CONTACTS = 5


@dataclass
class GridCell:
    counts: dict[int, int] = field(default_factory=dict)  # choice id -> organisations
    # The first few organisations by name: (id, name, note, choice id), then with their choice's label.
    organisations: list[tuple] = field(default_factory=list)
    tallies: list[tuple[Choice, int]] = field(default_factory=list)  # in the check-in's order, non-zero only

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> int:
        """How many organisations the cell has beyond those it names ("and N more")."""
        return max(self.total - len(self.organisations), 0)

    def label(self, choices: list[Choice], by_pk: dict[int, Choice]) -> None:
        self.tallies = [(choice, self.counts[choice.pk]) for choice in choices if self.counts.get(choice.pk)]
        self.organisations = [(pk, name, note, by_pk.get(choice_id)) for pk, name, note, choice_id
                              in self.organisations]


@dataclass
class GridRow:
    sector_id: int
    name: str
    asked: int
    cells: dict[int | None, GridCell] = field(default_factory=dict)  # borough id (None: not given) -> cell

    @property
    def answered(self) -> int:
        return sum(cell.total for cell in self.cells.values())

    def tallies(self) -> dict[int, int]:
        """Every borough together: choice id -> organisations."""
        totals: dict[int, int] = {}
        for cell in self.cells.values():
            for choice_id, count in cell.counts.items():
                totals[choice_id] = totals.get(choice_id, 0) + count
        return totals

    @property
    def share(self) -> int:
        return round(100 * self.answered / self.asked) if self.asked else 0


@dataclass
class Grid:
    check_in: CheckIn
    choices: list[Choice]
    rows: list[GridRow]
    boroughs: list[tuple[int | None, str]]  # the columns, by name; (None, "Borough not given") last
    asked: int
    answered: int
    per_choice: dict[int, int]  # choice id -> organisations that gave it (every sector together)
    pinned: list[Answer]
    pinned_more: int

    @property
    def share(self) -> int:
        """The share of the asked organisations that have answered, in per cent."""
        return round(100 * self.answered / self.asked) if self.asked else 0

    def totals(self) -> list[tuple[Choice, int]]:
        """Every sector together, per choice, in the check-in's order (zeros included)."""
        return [(choice, self.per_choice.get(choice.pk, 0)) for choice in self.choices]

    def table(self) -> list[dict]:
        """The rows with one cell per column, in column order (empty cells included), ready for the template."""
        table = []
        for row in self.rows:
            totals = row.tallies()
            table.append({
                "row": row,
                "tallies": [(choice, totals[choice.pk]) for choice in self.choices if totals.get(choice.pk)],
                "cells": [(borough_id, "none" if borough_id is None else borough_id,
                           row.cells.get(borough_id) or GridCell()) for borough_id, _ in self.boroughs],
            })
        return table


def _tables() -> dict[str, str]:
    return {"delivery": Delivery._meta.db_table, "user": User._meta.db_table,
            "membership": Membership._meta.db_table, "answer": Answer._meta.db_table,
            "organisation": Organisation._meta.db_table, "sector": Sector._meta.db_table,
            "borough": Borough._meta.db_table, "bulletin_sectors": Bulletin.sectors.through._meta.db_table}


# The asked (organisation, sector) pairs: an active member, still with the organisation they were with when the
# carrier was delivered to them (asking_deliveries), is an approved member of the sector. Table names come from the
# models, values are parameters.
_PAIRS = """
    WITH pairs AS (
        SELECT DISTINCT u.organisation_id AS organisation_id, m.sector_id AS sector_id
        FROM {delivery} d
        JOIN {user} u ON u.id = d.user_id
        JOIN {membership} m ON m.user_id = u.id
        WHERE d.bulletin_id = %s AND u.is_active = %s AND u.organisation_id = d.organisation_id AND m.status = %s
    )
"""


def _pairs_params(check_in: CheckIn) -> list:
    return [check_in.carrier_id or 0, True, Membership.Status.APPROVED]


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute((_PAIRS + sql).format(**_tables()), params)
        return cursor.fetchall()


# One query, so that the asked pairs are worked out once (PostgreSQL materialises a CTE used more than once):
# S: asked organisations per sector; E: the carrier's own sectors (shown even where nobody was asked); A: asked
# organisations in all; C: answers per sector, borough and choice; T: answers per choice, every sector together;
# N: the first few organisations of each cell by name (ranked in the database: never 10,000 rows). The answers
# are joined to the pairs the same way in C, T and N (a hash join: a semi-join against the CTE was planned as a
# nested loop, 20 s at 10,000 organisations). The first branch gives PostgreSQL the columns' types.
_GRID = """
    SELECT 'S', p.sector_id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), COUNT(*), s.name,
           CAST(NULL AS TEXT)
    FROM pairs p JOIN {sector} s ON s.id = p.sector_id GROUP BY p.sector_id, s.name
    UNION ALL
    SELECT 'E', s.id, NULL, NULL, NULL, CAST(0 AS BIGINT), s.name, NULL
    FROM {bulletin_sectors} bs JOIN {sector} s ON s.id = bs.sector_id WHERE bs.bulletin_id = %s
    UNION ALL
    SELECT 'A', NULL, NULL, NULL, NULL, COUNT(DISTINCT organisation_id), NULL, NULL FROM pairs
    UNION ALL
    SELECT 'C', p.sector_id, a.borough_id, a.choice_id, NULL, COUNT(*), b.name, NULL
    FROM pairs p JOIN {answer} a ON a.organisation_id = p.organisation_id AND a.check_in_id = %s
    LEFT JOIN {borough} b ON b.id = a.borough_id
    GROUP BY p.sector_id, a.borough_id, b.name, a.choice_id
    UNION ALL
    SELECT 'T', NULL, NULL, a.choice_id, NULL, COUNT(DISTINCT p.organisation_id), NULL, NULL
    FROM pairs p JOIN {answer} a ON a.organisation_id = p.organisation_id AND a.check_in_id = %s
    GROUP BY a.choice_id
    UNION ALL
    SELECT 'N', sector_id, borough_id, choice_id, organisation_id, NULL, name, note FROM (
        SELECT p.sector_id, a.borough_id, a.choice_id, a.organisation_id, o.name, a.note,
               ROW_NUMBER() OVER (PARTITION BY p.sector_id, a.borough_id ORDER BY o.name, o.id) AS place
        FROM pairs p
        JOIN {answer} a ON a.organisation_id = p.organisation_id AND a.check_in_id = %s
        JOIN {organisation} o ON o.id = a.organisation_id
    ) ranked WHERE place <= %s
"""


def grid_for(check_in: CheckIn, *, names_per_cell: int = NAMES_PER_CELL) -> Grid:
    """Everything the officers' grid shows, in three queries whatever the size of the audience (four when a lead
    recorded a pinned answer: the organisation's members to call)."""
    choices = list(check_in.choices.all())
    carrier = check_in.carrier_id or 0
    rows: dict[int, GridRow] = {}
    boroughs: dict[int | None, str] = {}
    per_choice: dict[int, int] = {}
    asked = 0
    cells, names = [], []
    for kind, sector_id, borough_id, choice_id, organisation_id, count, text, note in _run(
            _GRID, [*_pairs_params(check_in), carrier, check_in.pk, check_in.pk, check_in.pk, names_per_cell]):
        if kind == "S" or (kind == "E" and sector_id not in rows):
            rows[sector_id] = GridRow(sector_id=sector_id, name=text, asked=count)
        elif kind == "A":
            asked = count
        elif kind == "T":
            per_choice[choice_id] = count
        elif kind == "C":
            cells.append((sector_id, borough_id, choice_id, count, text))
        elif kind == "N":
            names.append((text, organisation_id, sector_id, borough_id, choice_id, note))
    for sector_id, borough_id, choice_id, count, borough_name in cells:
        boroughs[borough_id] = borough_name or ""
        if sector_id in rows:
            rows[sector_id].cells.setdefault(borough_id, GridCell()).counts[choice_id] = count
    for name, organisation_id, sector_id, borough_id, choice_id, note in sorted(names):
        row = rows.get(sector_id)
        if row is not None and borough_id in row.cells:
            row.cells[borough_id].organisations.append((organisation_id, name, note, choice_id))
    # 4. "Need police contact", pinned, with who to call.
    pinned = list(
        Answer.objects.filter(check_in=check_in, choice__needs_contact=True)
        .select_related("organisation", "answered_by", "borough", "choice")
        .order_by("-answered_at", "-pk")[:PINNED_LIMIT + 1]
    )
    _organisation_contacts([answer for answer in pinned if answer.by_lead])
    pinned_more = 0
    if len(pinned) > PINNED_LIMIT:
        pinned = pinned[:PINNED_LIMIT]
        pinned_more = sum(count for choice_id, count in per_choice.items()
                          if any(c.pk == choice_id and c.needs_contact for c in choices)) - PINNED_LIMIT
    by_pk = {choice.pk: choice for choice in choices}
    for row in rows.values():
        for cell in row.cells.values():
            cell.label(choices, by_pk)
    columns = sorted(((pk, name) for pk, name in boroughs.items() if pk is not None), key=lambda column: column[1])
    if None in boroughs:
        columns.append((None, "Borough not given"))
    return Grid(check_in=check_in, choices=choices, rows=sorted(rows.values(), key=lambda row: row.name),
                boroughs=columns, asked=asked, answered=sum(per_choice.values()), per_choice=per_choice,
                pinned=pinned, pinned_more=max(pinned_more, 0))


def _organisation_contacts(answers: list[Answer]) -> None:
    """Give each answer a lead recorded on its organisation's behalf ``contacts``: the first PINNED_CONTACTS of the
    organisation's active, approved members, the people to call (the lead who recorded it is not), and
    ``contacts_more``: how many others. One query, none without such answers."""
    if not answers:
        return
    contacts: dict[int, list[User]] = {answer.organisation_id: [] for answer in answers}
    members = (User.objects.filter(organisation__in=list(contacts), is_active=True,
                                   pk__in=Membership.objects.approved().values("user_id"))
               .only("pk", "organisation_id", "display_name", "email", "phone")
               .order_by("display_name", "email"))
    for member in members:
        contacts[member.organisation_id].append(member)
    for answer in answers:
        members = contacts[answer.organisation_id]
        answer.contacts, answer.contacts_more = members[:PINNED_CONTACTS], max(len(members) - PINNED_CONTACTS, 0)


def cell_answers(check_in: CheckIn, *, sector_id: int | None, borough_id: int | None, no_borough: bool,
                 choice_id: int | None) -> QuerySet[Answer]:
    """The current answers behind one cell of the grid (or one row, column or choice of it): the list a cell's
    "and N more" opens, paginated by the view."""
    answers = Answer.objects.filter(check_in=check_in).select_related("organisation", "answered_by", "borough",
                                                                      "choice")
    if sector_id is not None:
        answers = answers.filter(organisation__in=asked_organisations(check_in, sector_ids=[sector_id]))
    if no_borough:
        answers = answers.filter(borough__isnull=True)
    elif borough_id is not None:
        answers = answers.filter(borough_id=borough_id)
    if choice_id is not None:
        answers = answers.filter(choice_id=choice_id)
    return answers.order_by("organisation__name", "pk")


def export_rows(check_in: CheckIn) -> Iterator[list[str]]:
    """The CSV export: every current answer (organisation, its asked sectors, borough, answer, note, who, when,
    by a lead), then every asked organisation that has not answered. Three queries, streamed."""
    sectors: dict[int, list[str]] = {}
    for organisation_id, name in _run(
        """SELECT p.organisation_id, s.name FROM pairs p JOIN {sector} s ON s.id = p.sector_id
           ORDER BY s.name""", _pairs_params(check_in)):
        sectors.setdefault(organisation_id, []).append(name)
    yield ["Organisation", "Sectors", "Borough", "Answer", "Note", "Answered by", "Answered by e-mail",
           "Answered at", "Recorded by a sector lead"]
    answered = set()
    answers = (Answer.objects.filter(check_in=check_in).select_related("organisation", "borough", "choice",
                                                                       "answered_by")
               .order_by("organisation__name", "pk"))
    for answer in answers.iterator(chunk_size=2000):
        answered.add(answer.organisation_id)
        yield [answer.organisation.name, "; ".join(sectors.get(answer.organisation_id, [])),
               answer.borough.name if answer.borough else "", answer.choice.label, answer.note,
               str(answer.answered_by), answer.answered_by.email, answer.answered_at.isoformat(),
               "yes" if answer.by_lead else "no"]
    silent = Organisation.objects.filter(pk__in=list(sectors)).exclude(pk__in=answered).order_by("name")
    for organisation in silent.only("pk", "name").iterator(chunk_size=2000):
        yield [organisation.name, "; ".join(sectors.get(organisation.pk, [])), "", "(no answer)", "", "", "", "",
               ""]


def not_answered(check_in: CheckIn, sector_ids: Iterable[int]) -> QuerySet[Organisation]:
    """A lead's chase list: the organisations asked through members approved in these sectors that have not
    answered, by name."""
    return (asked_organisations(check_in, sector_ids=sector_ids)
            .exclude(pk__in=Answer.objects.filter(check_in=check_in).values("organisation_id"))
            .order_by("name", "pk"))


def chase_contacts(check_in: CheckIn, organisations: list[Organisation], sector_ids: Iterable[int]) -> None:
    """Give each organisation of a chase page (one page: a bounded list) ``contacts`` (its approved members in the
    lead's sectors: name, e-mail, phone, sectors) and ``last_attempt`` (the latest "called, no answer"), in two
    queries."""
    by_organisation: dict[int, dict[int, dict]] = {organisation.pk: {} for organisation in organisations}
    memberships = (Membership.objects.approved()
                   .filter(sector__in=list(sector_ids), user__organisation__in=list(by_organisation),
                           user__is_active=True)
                   .select_related("user", "sector").order_by("user__display_name", "user__email", "sector__name"))
    for membership in memberships:
        user = membership.user
        contact = by_organisation[user.organisation_id].setdefault(
            user.pk, {"name": str(user), "email": user.email, "phone": user.phone, "sectors": []})
        contact["sectors"].append(membership.sector.name)
    attempts: dict[int, ChaseAttempt] = {}
    for attempt in (ChaseAttempt.objects.filter(check_in=check_in, organisation__in=list(by_organisation))
                    .select_related("by").order_by("-at", "-pk")):
        attempts.setdefault(attempt.organisation_id, attempt)
    for organisation in organisations:
        organisation.contacts = list(by_organisation[organisation.pk].values())
        organisation.last_attempt = attempts.get(organisation.pk)


def check_ins_to_chase(user, *, limit: int = 5) -> list[CheckIn]:
    """Open check-ins that asked someone approved in a sector this user leads (the lead's dashboard links)."""
    sector_ids = led_sector_ids(user)
    if not sector_ids:
        return []
    reached = Delivery.objects.filter(  # asking_deliveries' rule, for each open check-in
        bulletin_id=OuterRef("carrier_id"), user__is_active=True, organisation_id=F("user__organisation_id"),
        user__in=Membership.objects.approved().filter(sector__in=list(sector_ids)).values("user_id"))
    return list(CheckIn.objects.open().filter(Exists(reached)).order_by("-opened_at", "-pk")[:limit])
