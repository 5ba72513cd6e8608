"""One-click unsubscribe (RFC 8058): the headers on every e-mail sent by a member's preference, the signed link's
POST (no login, no CSRF token) that turns the preference off and says so, the GET that changes nothing, and a
clear 400 page for a tampered or expired link. The sources are read too: a new optional e-mail without the
headers fails here."""

import ast
import time as clock
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client

from audit.models import AuditEntry
from messaging.board import services as board
from notifications import digest, unsubscribe
from notifications.models import Notification, Preferences
from tests.factories import BulletinFactory, member_of
from tests.notifications.mail_helpers import (  # noqa: F401 - _tasks_run_immediately: autouse
    _tasks_run_immediately,
    london,
    prefer,
    publish,
    sent_to,
    set_clock,
)

pytestmark = pytest.mark.django_db


def link_of(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http") and header.endswith(">")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The header travels as it is in the real message, too.
    assert message.message()["List-Unsubscribe"] == header
    return header[1:-1]


def path_of(url: str) -> str:
    return urlsplit(url).path


# The headers on each kind of e-mail ---------------------------------------------------------------------------


def test_a_bulletin_email_unsubscribes_from_bulletins_below_critical(officer, sector_a,
                                                                     django_capture_on_commit_callbacks):
    member = member_of(sector_a)
    publish(BulletinFactory(author=officer, sectors=[sector_a], severity="warning"), officer,
            django_capture_on_commit_callbacks)
    [message] = sent_to(member)
    assert unsubscribe.read_token(path_of(link_of(message)).split("/")[-2]) == (member.pk, "bulletins")
    assert path_of(link_of(message)) in message.body  # and the link in the text, for those who read it there


def test_a_forum_email_unsubscribes_from_forum_email(people, thread, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        board.reply(thread, author=people.lead_a, body="A reply the starter is told of.")
    [message] = sent_to(people.member_a)
    assert unsubscribe.read_token(path_of(link_of(message)).split("/")[-2]) == (people.member_a.pk, "forum")


def test_a_digest_unsubscribes_from_the_digest(monkeypatch, officer, sector_a, django_capture_on_commit_callbacks):
    member = member_of(sector_a)
    prefer(member, bulletin_min_severity="critical")
    set_clock(monkeypatch, london(2026, 1, 14, 12))
    publish(BulletinFactory(author=officer, sectors=[sector_a], severity="info"), officer,
            django_capture_on_commit_callbacks)
    set_clock(monkeypatch, london(2026, 1, 15, 7, 1))
    with django_capture_on_commit_callbacks(execute=True):
        digest.claim_due()
    [message] = sent_to(member)
    assert unsubscribe.read_token(path_of(link_of(message)).split("/")[-2]) == (member.pk, "digest")


# The link -----------------------------------------------------------------------------------------------------


@pytest.fixture
def member(sector_a):
    return member_of(sector_a)


def one_click(url: str):
    """As a mail client does it (RFC 8058): a POST with that body, no cookies, no CSRF token."""
    return Client(enforce_csrf_checks=True).post(url, "List-Unsubscribe=One-Click",
                                                 content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize(("kind", "field", "value", "words"), [
    ("forum", "forum_email", "never", "e-mail about forum activity"),
    ("digest", "digest", False, "the daily digest"),
    ("bulletins", "bulletin_min_severity", "critical", "bulletins below critical"),
])
def test_the_one_click_post_turns_it_off_and_says_what_changed(member, kind, field, value, words):
    response = one_click(path_of(unsubscribe.url(member, kind)))
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert f"Done: the Hub will no longer send {words}" in page
    assert getattr(Preferences.objects.get(user=member), field) == value
    assert AuditEntry.objects.filter(action="preferences.unsubscribe").count() == 1
    again = " ".join(one_click(path_of(unsubscribe.url(member, kind))).content.decode().split())
    assert "It was already off" in again and "Nothing changed" in again


def test_bulletins_page_says_critical_ones_and_acknowledgement_requests_still_come(member):
    page = " ".join(one_click(path_of(unsubscribe.url(member, "bulletins"))).content.decode().split())
    assert "Critical bulletins and bulletins asking for an acknowledgement are always e-mailed at once" in page


def test_turning_the_digest_off_turns_forum_activity_in_the_digest_to_never(member):
    prefer(member, forum_email="digest")
    one_click(path_of(unsubscribe.url(member, "digest")))
    preferences = Preferences.objects.get(user=member)
    assert (preferences.digest, preferences.forum_email) == (False, "never")


def test_get_shows_a_button_and_changes_nothing(client, member):
    response = client.get(path_of(unsubscribe.url(member, "forum")))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post">' in page and "Yes, stop it" in page
    assert not Preferences.objects.filter(user=member).exists()


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature
    lambda token: signing.dumps({"u": 1, "k": "forum"}, salt="another.salt"),  # signed for something else
    lambda token: signing.dumps({"u": 1, "k": "everything"}, salt=unsubscribe.SALT),  # not a kind
    lambda token: "not-a-token",
])
def test_a_tampered_link_is_a_clear_400_and_changes_nothing(member, tamper):
    token = tamper(unsubscribe.make_token(member, "forum"))
    for response in (Client().get(f"/accounts/preferences/unsubscribe/{token}/"),
                     one_click(f"/accounts/preferences/unsubscribe/{token}/")):
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert not Preferences.objects.filter(user=member).exists()


def test_an_expired_link_is_a_clear_400(monkeypatch, member):
    real = clock.time()
    monkeypatch.setattr(clock, "time", lambda: real - (unsubscribe.MAX_AGE_DAYS + 1) * 86400)
    url = path_of(unsubscribe.url(member, "forum"))
    monkeypatch.setattr(clock, "time", lambda: real)
    response = one_click(url)
    assert response.status_code == 400
    assert "This unsubscribe link has expired" in response.content.decode()
    assert not Preferences.objects.filter(user=member).exists()


def test_a_link_for_a_deactivated_account_is_a_400(member):
    url = path_of(unsubscribe.url(member, "forum"))
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert one_click(url).status_code == 400


def test_a_notification_emails_link_works_from_the_email(people, thread, django_capture_on_commit_callbacks):
    """From the e-mail to the page: the link in the header is the one that unsubscribes."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        board.reply(thread, author=people.lead_a, body="Another reply.")
    [message] = sent_to(people.member_a)
    assert "Done" in one_click(path_of(link_of(message))).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        board.reply(thread, author=people.lead_a, body="And another.")
    assert Notification.objects.filter(user=people.member_a).count() >= 2  # still told behind the bell...
    assert sent_to(people.member_a) == []  # ...but no more e-mail about it


# Every optional e-mail has the headers: read from the source ------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "audit", "common", "dashboard", "hub", "messaging", "notifications", "sectors", "search"]
SENDERS = {"send_mail", "send_mass_mail", "EmailMessage", "EmailMultiAlternatives"}
# The e-mails sent whatever the member's preferences, so with no unsubscribe link: a link would promise a choice
# the member does not have. Keyed by file and function.
NOT_OPTIONAL = {
    "messaging/board/services.py:_notify": "a moderator's decision on the member's own thread or edit",
    "messaging/bulletins/services.py:_email_answer": "an officer's answer to the member's own reply",
    "messaging/bridge/tasks.py:render_email": "bridge call invitations, changes, cancellations and reminders to "
                                              "the representatives named for them (their sector lead names someone "
                                              "else to stop them)",
    "messaging/checkins/tasks.py:render_reminder": "the police asking an organisation that has not answered whether "
                                                   "it is affected by an incident",
    "messaging/police_reports/triage.py:_mail": "what became of a report the member made",
    "messaging/police_reports/tasks.py:_email": "a report routed to an officer, a reply on a report the member made",
    "sectors/services.py:_email_decision": "the decision on the member's own application",
    "sectors/services.py:_tell_administrators": "a request to join the organisation the member administers",
    "sectors/services.py:_tell_requester": "the decision on the member's own request to join an organisation",
}


def _mail_calls() -> list[tuple[str, ast.Call]]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for function in [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]:
                for call in [node for node in ast.walk(function) if isinstance(node, ast.Call)]:
                    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
                    if name in SENDERS:
                        found.append((f"{path.relative_to(ROOT)}:{function.name}", call))
    return found


def _has_unsubscribe_headers(call: ast.Call) -> bool:
    headers = next((keyword.value for keyword in call.keywords if keyword.arg == "headers"), None)
    return headers is not None and "unsubscribe.headers(" in ast.unparse(headers)


def test_every_email_has_the_unsubscribe_headers_or_is_listed_as_not_optional():
    calls = _mail_calls()
    assert len(calls) >= 8
    with_headers = {where for where, call in calls if _has_unsubscribe_headers(call)}
    missing = {where for where, call in calls if where not in with_headers and where not in NOT_OPTIONAL}
    assert missing == set(), "add notifications.unsubscribe.headers(user, kind) or list it in NOT_OPTIONAL"
    assert {"messaging/bulletins/tasks.py:render_email", "notifications/email_tasks.py:render_notification",
            "notifications/digest.py:render_digest"} <= with_headers
    assert not with_headers & set(NOT_OPTIONAL)  # the list stays true
