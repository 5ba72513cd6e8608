"""Shared by the check-in tests of opening, answering, links, e-mails and permissions: check-ins opened the way an
officer opens them (through the services, with the publish's after-commit work run)."""

from messaging.bulletins import services as bulletin_services
from messaging.checkins import services
from messaging.checkins.models import DEFAULT_CHOICES, CheckIn

DEFAULTS = [services.ChoiceSpec(label, contact) for label, contact in DEFAULT_CHOICES]


def ask_incident(officer, sectors, *, boroughs=(), question="Are your premises affected?", choices=DEFAULTS,
                 capture=None, **fields) -> CheckIn:
    """A new incident for these sectors (and boroughs) and a check-in on it. ``capture``:
    django_capture_on_commit_callbacks, to run the publish's e-mails and live push."""
    incident = bulletin_services.open_incident(title="Fire at Oxford Circus", sectors=sectors, boroughs=boroughs,
                                               by=officer)
    return ask(officer, incident=incident, question=question, choices=choices, capture=capture, **fields)


def ask(officer, *, question="Are your premises affected?", choices=DEFAULTS, capture=None, **fields) -> CheckIn:
    if capture is None:
        return services.open_check_in(by=officer, question=question, choices=choices, **fields)
    with capture(execute=True):
        return services.open_check_in(by=officer, question=question, choices=choices, **fields)


def choice(check_in: CheckIn, label: str):
    return check_in.choices.get(label=label)


def answer(check_in: CheckIn, member, label: str, *, note: str = "", borough=None) -> services.AnswerResult:
    return services.answer(check_in, member.organisation, choice(check_in, label), note, borough, member)


def once_token(response) -> str:
    """The one-time token of the (first) form a page rendered."""
    return response.content.decode().split('name="once_token" value="')[1].split('"')[0]
