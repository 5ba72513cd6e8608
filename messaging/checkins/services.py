"""Opening, answering and closing check-ins. Each action runs in one transaction and is audited; what the live
pages are told goes out only after the commit.

A check-in reaches its audience on a carrier bulletin, published through the bulletins' own services: an
incident update (``post_incident_update``: the incident's audience) or a bulletin with the same kind and
audience as the one it is about (``create_draft`` + ``publish_bulletin``). Its Delivery rows, each with the
recipient's organisation at publish, are who is asked (``selectors.asking_deliveries``).
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from common.actions import ActionRefused
from common.text import clean_text
from messaging.bulletins import services as bulletin_services
from messaging.bulletins import transport
from messaging.bulletins.audience import Audience
from messaging.bulletins.models import Bulletin, Incident
from messaging.checkins import live_grid, selectors
from messaging.checkins.models import MAX_CHOICES, MIN_CHOICES, Answer, AnswerChange, CheckIn, Choice
from sectors.models import Borough, Organisation

QUESTION_LENGTH = CheckIn._meta.get_field("question").max_length
LABEL_LENGTH = Choice._meta.get_field("label").max_length
NOTE_LENGTH = Answer._meta.get_field("note").max_length
TITLE_LENGTH = Bulletin._meta.get_field("title").max_length
CARRIER_PREFIX = "Are you affected? "
ANSWERED_MEANWHILE = ("An answer for the organisation was recorded meanwhile: it stands, and there is no need to "
                      "record another.")


class CheckInError(ActionRefused):
    """A check-in action refused in the check-in's current state; the message says why."""


@dataclass(frozen=True)
class ChoiceSpec:
    """One coded answer as the officer gave it."""

    label: str
    needs_contact: bool = False


def check_choices(choices: Sequence[ChoiceSpec]) -> list[ChoiceSpec]:
    """The choices cleaned (labels trimmed, blanks dropped), or CheckInError saying what will not do: fewer than
    MIN_CHOICES, more than MAX_CHOICES, a label too long, or two the same (letter case aside)."""
    cleaned = [ChoiceSpec(clean_text(choice.label), bool(choice.needs_contact)) for choice in choices]
    cleaned = [choice for choice in cleaned if choice.label]
    if len(cleaned) < MIN_CHOICES:
        raise CheckInError(f"Give at least {MIN_CHOICES} answers to choose from.")
    if len(cleaned) > MAX_CHOICES:
        raise CheckInError(f"Give at most {MAX_CHOICES} answers to choose from: a long list is hard to answer on "
                           "a phone.")
    if too_long := [choice.label for choice in cleaned if len(choice.label) > LABEL_LENGTH]:
        raise CheckInError(f"Keep each answer to {LABEL_LENGTH} characters: “{too_long[0][:40]}…” is longer.")
    seen: set[str] = set()
    for choice in cleaned:
        key = choice.label.casefold()
        if key in seen:
            raise CheckInError(f"Two answers read “{choice.label}”: make each answer different.")
        seen.add(key)
    return cleaned


def _check_times(deadline: datetime | None, remind_at: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        raise CheckInError("The deadline has passed already: choose a time in the future.")
    if remind_at is not None and remind_at <= now:
        raise CheckInError("The reminder time has passed already: choose a time in the future.")
    if deadline is not None and remind_at is not None and remind_at >= deadline:
        raise CheckInError("Send the reminder before the deadline, so that there is time to answer.")


def _carrier_title(question: str) -> str:
    title = CARRIER_PREFIX + " ".join(question.split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1].rstrip() + "…"


def _carrier_body(check_in: CheckIn, choices: Sequence[Choice]) -> str:
    """The carrier's Markdown (cooked by the bulletins' one pipeline): the question, the answers, the link."""
    url = settings.SITE_URL + check_in.get_absolute_url()
    answers = "\n".join(f"- {choice.label}" for choice in choices)
    by = (f" Please answer by {timezone.localtime(check_in.deadline):%-d %b %Y %H:%M}."
          if check_in.deadline else "")
    return (f"{check_in.question}\n\n{answers}\n\nThe police liaison team asks each organisation for one answer, "
            f"which any of its members can give, and change until the check-in closes.{by}\n\n"
            f"[Answer for your organisation]({url})")


def live_answers(check_in: CheckIn, choices: Sequence[Choice]) -> dict:
    """What a toast offers (CheckIn.live_answers): the page, and one button per answer leading to the answer
    form with that answer chosen (a GET changes nothing: the member confirms)."""
    answer_url = reverse("checkins:answer", args=[check_in.pk])
    return {"url": check_in.get_absolute_url(),
            "choices": [{"id": choice.pk, "label": choice.label, "url": f"{answer_url}?choice={choice.pk}"}
                        for choice in choices]}


@transaction.atomic
def open_check_in(*, by, question: str, choices: Sequence[ChoiceSpec], incident: Incident | None = None,
                  about: Bulletin | None = None, deadline: datetime | None = None,
                  remind_at: datetime | None = None) -> CheckIn:
    """Ask "are you affected?" of an incident's audience (``incident``) or of a published bulletin's
    (``about``): the check-in, its choices and its carrier bulletin, published at once, in one transaction."""
    if (incident is None) == (about is None):
        raise TypeError("A check-in is opened on an incident or on a bulletin: give exactly one.")
    question = clean_text(question)
    if not question:
        raise CheckInError("Write the question to ask.")
    if len(question) > QUESTION_LENGTH:
        raise CheckInError(f"Keep the question to {QUESTION_LENGTH} characters.")
    specs = check_choices(choices)
    _check_times(deadline, remind_at, timezone.now())
    if about is not None:
        about = Bulletin.objects.select_related("incident").get(pk=about.pk)
        if not about.is_published or about.is_withdrawn:
            raise CheckInError("Ask about a published bulletin: this one is "
                               + ("withdrawn." if about.is_withdrawn else "not published yet."))
        if CheckIn.objects.filter(carrier=about).exists():
            raise CheckInError("This bulletin is a check-in's question already: open a new check-in from the "
                               "incident or the bulletin it was about.")
        incident = about.incident
    elif not incident.is_active:
        raise CheckInError("This incident is resolved: there is nobody left to ask.")

    check_in = CheckIn.objects.create(question=question, incident=incident, about=about, deadline=deadline,
                                      remind_at=remind_at, opened_by=by)
    created = Choice.objects.bulk_create(
        Choice(check_in=check_in, position=position, label=spec.label, needs_contact=spec.needs_contact)
        for position, spec in enumerate(specs, start=1))
    created = list(check_in.choices.all()) if any(choice.pk is None for choice in created) else created
    check_in.live_answers = live_answers(check_in, created)
    check_in.save(update_fields=["live_answers"])

    title, body = _carrier_title(question), _carrier_body(check_in, created)
    if about is None:
        carrier = bulletin_services.post_incident_update(incident, title=title, body=body,
                                                         severity=Bulletin.Severity.WARNING, by=by)
    else:
        carrier = bulletin_services.create_draft(
            by=by, sectors=about.sectors.all(), boroughs=about.boroughs.all(), kind=about.kind,
            severity=about.severity, title=title, body=body, everyone=about.everyone, marking=about.marking)
        carrier.named_recipients.set(about.named_recipients.all())
        if about.incident_id:  # on the incident's timeline too, where the bulletin it is about is
            carrier.incident_id = about.incident_id
            carrier.save(update_fields=["incident", "updated_at"])
        bulletin_services.publish_bulletin(carrier, by=by)
    carrier.refresh_from_db()  # publish_bulletin wrote its own copy (status, recipient_count, sequence)
    check_in.carrier = carrier
    check_in.save(update_fields=["carrier"])
    record(by, "checkin.open", check_in, carrier=carrier.pk, incident=incident.pk if incident else None,
           about=about.pk if about else None, choices=[spec.label for spec in specs],
           deadline=deadline.isoformat() if deadline else None)
    _after_commit_refresh(check_in)
    return check_in


class Outcome(enum.Enum):
    RECORDED = "recorded"  # the organisation's first answer
    CHANGED = "changed"  # a different answer (choice, note or borough) replaced the current one
    UNCHANGED = "unchanged"  # the same answer again (a double click, a link followed twice): nothing written


@dataclass(frozen=True)
class AnswerResult:
    answer: Answer
    outcome: Outcome


def _hold_open(check_in: CheckIn) -> None:
    """Refuse unless the check-in is still open, and keep it open until this transaction commits.

    On PostgreSQL a FOR KEY SHARE lock of the check-in's row: answers do not wait for one another (they all
    share it), but close_check_in's FOR UPDATE waits for every answer under way, and an answer that starts after
    the close committed sees it closed. So no answer slips in after the tally is frozen. (SQLite: one writer at a
    time anyway.)"""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(CheckIn._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT closed_at FROM {table} WHERE id = %s FOR KEY SHARE", [check_in.pk])  # noqa: S608
            row = cursor.fetchone()
        closed = row is None or row[0] is not None
    else:
        closed = CheckIn.objects.filter(pk=check_in.pk, closed_at__isnull=True).exists() is False
    if closed:
        raise CheckInError("This check-in has closed: answers can no longer be given or changed.")


def _current_answer(check_in: CheckIn, organisation: Organisation) -> Answer | None:
    return Answer.objects.select_for_update().filter(check_in=check_in, organisation=organisation).first()


# The organisation's first answer, or nothing when it has one: one statement where the ORM needs four (a look for
# the current answer, then the insert in a savepoint, so that losing a race to the unique constraint can be
# caught). A racing first answer makes this wait for its commit (the unique index), then insert nothing.
_INSERT_FIRST = """
    INSERT INTO {table} (check_in_id, organisation_id, choice_id, note, borough_id, answered_by_id, answered_at,
                         by_lead)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (check_in_id, organisation_id) DO NOTHING
    RETURNING id"""


def _insert_first_answer(answer: Answer) -> bool:
    """Insert ``answer`` unless its organisation has answered already; True (and its pk set) when inserted."""
    sql = _INSERT_FIRST.format(table=connection.ops.quote_name(Answer._meta.db_table))
    params = [answer.check_in_id, answer.organisation_id, answer.choice_id, answer.note, answer.borough_id,
              answer.answered_by_id, connection.ops.adapt_datetimefield_value(answer.answered_at), answer.by_lead]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    answer.pk = row[0]
    answer._state.adding = False
    return True


@transaction.atomic
def answer(check_in: CheckIn, organisation: Organisation, choice: Choice, note: str, borough: Borough | None,
           by, by_lead: bool = False, first_only: bool = False) -> AnswerResult:
    """Record the organisation's answer: the first, or a change of the current one (one current answer per
    organisation, an AnswerChange row for each change, the first included). The same answer again (a double
    click) writes nothing. Refused once the check-in has closed. Of ``organisation`` only the id is read: the
    answer view passes the one its loader read along, no query.

    Two members of one organisation answering at once: the first answer's insert makes the other's wait for its
    commit and insert nothing (the unique constraint), and a change locks the answer's row, so one goes after the
    other: one current answer (the later), two history rows.

    ``first_only``: refused when the organisation has answered already (a lead's answer on its behalf never
    replaces the organisation's own, even one given after the lead's chase page was read)."""
    if choice.check_in_id != check_in.pk:
        raise CheckInError("That answer is not one of this check-in's.")
    note = clean_text(note or "")
    if len(note) > NOTE_LENGTH:
        raise CheckInError(f"Keep the note to {NOTE_LENGTH} characters.")
    _hold_open(check_in)
    first = Answer(check_in=check_in, organisation=organisation, choice=choice, note=note, borough=borough,
                   answered_by=by, answered_at=timezone.now(), by_lead=by_lead)
    if _insert_first_answer(first):
        current, outcome, now = first, Outcome.RECORDED, first.answered_at
    elif first_only:
        raise CheckInError(ANSWERED_MEANWHILE)
    else:
        current = _current_answer(check_in, organisation)
        # Taken under the answer's row lock: of two racing changes the later one has the later time, so the
        # history's order (at, pk) is the order in which they became the current answer.
        now = timezone.now()
        if (current.choice_id, current.note, current.borough_id) == (choice.pk, note, borough.pk if borough else None):
            return AnswerResult(current, Outcome.UNCHANGED)
        current.choice, current.note, current.borough = choice, note, borough
        current.answered_by, current.answered_at, current.by_lead = by, now, by_lead
        current.save(update_fields=["choice", "note", "borough", "answered_by", "answered_at", "by_lead"])
        outcome = Outcome.CHANGED
    AnswerChange.objects.create(check_in=check_in, organisation=organisation, choice=choice, note=note,
                                borough=borough, by=by, at=now, by_lead=by_lead)
    record(by, "checkin.answer", check_in, organisation=organisation.pk, choice=choice.pk, by_lead=by_lead,
           changed=outcome is Outcome.CHANGED)
    pk = check_in.pk
    transaction.on_commit(lambda: live_grid.answers_changed(pk))
    return AnswerResult(current, outcome)


@transaction.atomic
def close_check_in(check_in: CheckIn, *, by) -> CheckIn:
    """Freeze the answers and keep the final tally; it shows in the incident room with the incident's story.
    Under the row lock (FOR UPDATE): answers under way finish first (see _hold_open), later ones are refused."""
    check_in = CheckIn.objects.select_for_update().get(pk=check_in.pk)
    if not check_in.is_open:
        raise CheckInError("This check-in is closed already.")
    check_in.final_tally = selectors.tally(check_in)
    check_in.closed_at, check_in.closed_by = timezone.now(), by
    check_in.save(update_fields=["final_tally", "closed_at", "closed_by"])
    record(by, "checkin.close", check_in, answered=check_in.final_tally["answered"],
           asked=check_in.final_tally["asked"])
    _after_commit_refresh(check_in, grid=True)
    return check_in


def _after_commit_refresh(check_in: CheckIn, *, grid: bool = False) -> None:
    """Open incident rooms list the incident's check-ins: after the commit, they fetch the list again (and the
    officers' grids theirs, at the version the change gave it, when ``grid``)."""
    parts = [live_grid.part_name(check_in.pk)] if grid else []
    if check_in.incident_id:
        parts.append(f"incident-{check_in.incident_id}-checkins")
    if not parts:
        return
    incident = check_in.incident if check_in.incident_id else None

    def announce() -> None:
        try:
            audience = Audience.of_incident(incident) if incident else Audience.chosen(everyone=False)
        except Exception:  # noqa: BLE001 - best effort, like every announcement: pages show it when they load
            audience = Audience.chosen(everyone=False)
        payload = {"type": "news", "toast": False, "refresh": parts}
        if grid and (version := live_grid.bump(check_in.pk)) is not None:
            payload["versions"] = {live_grid.part_name(check_in.pk): version}
        transport.announce(audience, payload)

    transaction.on_commit(announce)
