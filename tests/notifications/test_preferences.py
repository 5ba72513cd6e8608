"""E-mail preferences: the page (validation, messages), the bulletin threshold (below: not mailed now, left for the
digest; critical and acknowledgement requests always now), quiet hours (held, then sent after their end; critical
never held) and the forum activity modes (immediately, digest, never)."""

from datetime import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from messaging.board import services as board
from messaging.bulletins.models import Delivery
from messaging.bulletins.tasks import send_bulletin_emails
from notifications import quiet, rules
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

URL = "/accounts/preferences/"
VALID = {"forum_email": "digest", "bulletin_min_severity": "warning", "digest": "on", "quiet_from": "22:00",
         "quiet_until": "07:00"}


# The page -----------------------------------------------------------------------------------------------------


def test_the_page_is_at_accounts_preferences_and_in_the_user_menu(client, people):
    assert reverse("preferences:edit") == URL
    client.force_login(people.member_a)
    page = client.get(URL).content.decode()
    assert "critical bulletins and bulletins asking for an acknowledgement are e-mailed as soon as they are " \
           "published, whatever you choose here" in " ".join(page.split())
    assert f'href="{URL}"' in client.get(reverse("dashboard")).content.decode()  # the user menu, on every page


def test_saving_the_preferences_says_so_and_keeps_them(client, people):
    client.force_login(people.member_a)
    response = client.post(URL, VALID)
    assert response.status_code == 302 and response["Location"] == URL
    assert "Your e-mail preferences are saved." in client.get(URL).content.decode()
    preferences = Preferences.objects.get(user=people.member_a)
    assert (preferences.forum_email, preferences.bulletin_min_severity, preferences.digest) == ("digest", "warning",
                                                                                               True)
    assert (preferences.quiet_from, preferences.quiet_until) == (time(22), time(7))
    entry = AuditEntry.objects.get(action="preferences.save")
    assert "quiet_from" in str(entry.data)


def test_without_a_row_the_page_shows_the_defaults(client, people):
    client.force_login(people.member_b)
    form = client.get(URL).context["form"]
    assert (form["forum_email"].value(), form["bulletin_min_severity"].value(), form["digest"].value()) == (
        "immediately", "info", True)
    assert not Preferences.objects.filter(user=people.member_b).exists()  # showing the page writes nothing


@pytest.mark.parametrize(("given", "field", "words"), [
    ({"quiet_from": "22:00", "quiet_until": ""}, "quiet_until", "Give the time your quiet hours end too"),
    ({"quiet_from": "", "quiet_until": "07:00"}, "quiet_from", "Give the time your quiet hours start too"),
    ({"quiet_from": "07:00", "quiet_until": "07:00"}, "quiet_until", "must end at a different time"),
    ({"quiet_from": "25:00", "quiet_until": "07:00"}, "quiet_from", "Enter a valid time"),
])
def test_quiet_hours_are_both_given_or_neither_and_the_form_says_which(client, people, given, field, words):
    client.force_login(people.member_a)
    response = client.post(URL, {**VALID, **given})
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    for value in given.values():
        if value:
            assert f'value="{value}"' in page  # what was typed is kept
    assert not Preferences.objects.filter(user=people.member_a).exists()


def test_forum_activity_in_the_digest_needs_the_digest(client, people):
    client.force_login(people.member_a)
    response = client.post(URL, {**VALID, "digest": ""})
    assert "keep the digest" in " ".join(response.context["form"].errors["digest"])


def test_no_quiet_hours_at_all_is_fine(client, people):
    client.force_login(people.member_a)
    assert client.post(URL, {**VALID, "quiet_from": "", "quiet_until": ""}).status_code == 302
    assert Preferences.objects.get(user=people.member_a).quiet_release_at is None


# The rules ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "clock", "quiet_until"), [
    (time(22), time(7), london(2026, 1, 15, 23, 30), london(2026, 1, 16, 7)),
    (time(22), time(7), london(2026, 1, 16, 6, 59), london(2026, 1, 16, 7)),
    (time(22), time(7), london(2026, 1, 16, 7), None),
    (time(22), time(7), london(2026, 1, 16, 21, 59), None),
    (time(13), time(14), london(2026, 7, 1, 13, 30), london(2026, 7, 1, 14)),  # summer time: still London's 14:00
    (time(13), time(14), london(2026, 7, 1, 12), None),
])
def test_quiet_hours_are_london_time_and_may_span_midnight(start, end, clock, quiet_until):
    preferences = Preferences(quiet_from=start, quiet_until=end)
    assert rules.quiet_until(preferences, clock) == quiet_until


def test_the_next_quiet_end_is_the_next_time_the_clock_reads_it():
    preferences = Preferences(quiet_from=time(22), quiet_until=time(7))
    assert rules.next_quiet_end(preferences, london(2026, 3, 28, 8)) == london(2026, 3, 29, 7)  # clocks go forward
    assert rules.next_quiet_end(preferences, london(2026, 3, 29, 6)) == london(2026, 3, 29, 7)


# The bulletin threshold ---------------------------------------------------------------------------------------


@pytest.fixture
def members(sector_a):
    """Three members of sector A: one with the defaults, one who wants only warnings and above at once, one
    critical only."""
    default, warning, critical = member_of(sector_a), member_of(sector_a), member_of(sector_a)
    prefer(warning, bulletin_min_severity="warning")
    prefer(critical, bulletin_min_severity="critical")
    return default, warning, critical


def test_below_the_threshold_a_bulletin_is_left_for_the_digest_not_mailed(officer, sector_a, members,
                                                                           django_capture_on_commit_callbacks):
    default, warning, critical = members
    bulletin = BulletinFactory(author=officer, sectors=[sector_a], severity="advisory", title="Road closures")
    publish(bulletin, officer, django_capture_on_commit_callbacks)
    assert len(sent_to(default)) == 1
    assert sent_to(warning) == [] and sent_to(critical) == []
    left = Delivery.objects.get(bulletin=bulletin, user=warning)
    assert left.digest_at is not None and left.emailed_at is None
    assert not Delivery.objects.filter(Delivery.UNSENT, bulletin=bulletin).exists()  # nothing left for the fan-out


@pytest.mark.parametrize("bulletin_fields", [{"severity": "critical"}, {"severity": "info", "ack_requested": True}])
def test_critical_bulletins_and_acknowledgement_requests_are_always_mailed_at_once(
        officer, sector_a, members, django_capture_on_commit_callbacks, bulletin_fields):
    bulletin = BulletinFactory(author=officer, sectors=[sector_a], **bulletin_fields)
    publish(bulletin, officer, django_capture_on_commit_callbacks)
    for member in members:
        assert len(sent_to(member)) == 1
    assert not Delivery.objects.filter(bulletin=bulletin, digest_at__isnull=False).exists()


def test_the_fan_out_reads_the_preferences_in_the_query_that_claims_each_delivery(officer, sector_a,
                                                                                  django_capture_on_commit_callbacks):
    for index in range(6):
        prefer(member_of(sector_a), bulletin_min_severity=["info", "critical"][index % 2])
    bulletin = BulletinFactory(author=officer, sectors=[sector_a], severity="advisory")
    publish(bulletin, officer, django_capture_on_commit_callbacks)  # the first run of the fan-out
    Delivery.objects.filter(bulletin=bulletin).update(emailed_at=None, digest_at=None)
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        send_bulletin_emails.call(bulletin.pk)
    # Per delivery: the claim (with the preferences joined) and the mark, inside a savepoint; none more.
    per_delivery = [query for query in queries.captured_queries if "notifications_preferences" in query["sql"]]
    assert len(per_delivery) == 7  # six claims and the last that finds none: no query of their own
    assert len(mail.outbox) == 3


# Quiet hours --------------------------------------------------------------------------------------------------


@pytest.fixture
def quiet_member(sector_a):
    member = member_of(sector_a)
    prefer(member, quiet_from=time(22), quiet_until=time(7))
    return member


def test_in_quiet_hours_a_bulletin_waits_for_their_end_then_is_sent(monkeypatch, officer, sector_a, quiet_member,
                                                                    django_capture_on_commit_callbacks):
    set_clock(monkeypatch, london(2026, 1, 15, 23, 30))
    bulletin = BulletinFactory(author=officer, sectors=[sector_a], severity="warning", title="Night works")
    publish(bulletin, officer, django_capture_on_commit_callbacks)
    assert sent_to(quiet_member) == []
    held = Delivery.objects.get(bulletin=bulletin, user=quiet_member)
    assert held.email_after == london(2026, 1, 16, 7) and held.emailed_at is None

    set_clock(monkeypatch, london(2026, 1, 16, 6, 59))
    with django_capture_on_commit_callbacks(execute=True):
        assert quiet.release_bulletins() == []  # not yet
    set_clock(monkeypatch, london(2026, 1, 16, 7, 0, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert quiet.release_bulletins() == [bulletin.pk]
    [message] = sent_to(quiet_member)
    assert "Night works" in message.subject
    held.refresh_from_db()
    assert held.emailed_at is not None and held.email_after is None
    with django_capture_on_commit_callbacks(execute=True):
        assert quiet.release_bulletins() == []  # released once
    assert len(sent_to(quiet_member)) == 1


def test_an_acknowledgement_request_waits_for_the_end_of_quiet_hours_too(monkeypatch, officer, sector_a,
                                                                         quiet_member,
                                                                         django_capture_on_commit_callbacks):
    set_clock(monkeypatch, london(2026, 1, 15, 23, 30))
    bulletin = BulletinFactory(author=officer, sectors=[sector_a], severity="info", ack_requested=True)
    publish(bulletin, officer, django_capture_on_commit_callbacks)
    held = Delivery.objects.get(bulletin=bulletin, user=quiet_member)
    assert sent_to(quiet_member) == [] and held.email_after is not None and held.digest_at is None


def test_critical_bulletins_are_not_held_by_quiet_hours(monkeypatch, officer, sector_a, quiet_member,
                                                        django_capture_on_commit_callbacks):
    set_clock(monkeypatch, london(2026, 1, 15, 23, 30))
    bulletin = BulletinFactory(author=officer, sectors=[sector_a], severity="critical")
    publish(bulletin, officer, django_capture_on_commit_callbacks)
    assert len(sent_to(quiet_member)) == 1


def test_the_scheduler_round_releases_what_quiet_hours_held(monkeypatch, officer, sector_a, quiet_member,
                                                            django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    set_clock(monkeypatch, london(2026, 1, 15, 23, 30))
    publish(BulletinFactory(author=officer, sectors=[sector_a], severity="warning"), officer,
            django_capture_on_commit_callbacks)
    set_clock(monkeypatch, london(2026, 1, 16, 7, 1))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_due", stdout=out)
    assert "Released the e-mails quiet hours held of 1 bulletin." in out.getvalue()
    assert len(sent_to(quiet_member)) == 1


def test_ending_quiet_hours_releases_what_they_held_at_once(monkeypatch, client, officer, sector_a, quiet_member,
                                                            django_capture_on_commit_callbacks):
    set_clock(monkeypatch, london(2026, 1, 15, 23, 30))
    publish(BulletinFactory(author=officer, sectors=[sector_a], severity="warning"), officer,
            django_capture_on_commit_callbacks)
    client.force_login(quiet_member)
    client.post(URL, {**VALID, "forum_email": "immediately", "quiet_from": "", "quiet_until": ""})
    with django_capture_on_commit_callbacks(execute=True):
        quiet.release_bulletins()
    assert len(sent_to(quiet_member)) == 1


# Forum activity -----------------------------------------------------------------------------------------------


def notify(user, thread, post, capture, kind=Notification.Kind.REPLY):
    """A notification as the notifications app writes one (saved on its own: its post_save queues the e-mail)."""
    with capture(execute=True):
        return Notification.objects.create(user=user, kind=kind, thread=thread, post=post, actor=post.author,
                                           text=f"Someone replied to your post in “{thread.title}”",
                                           url=post.get_absolute_url(), created_at=timezone.now())


@pytest.fixture
def reply_post(thread, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = board.reply(thread, author=people.lead_a, body="We saw the same on Tuesday.")
    mail.outbox.clear()
    return post


def test_forum_activity_immediately_is_one_email_per_notification(people, thread, reply_post,
                                                                  django_capture_on_commit_callbacks):
    member = member_of(thread.forum.sector)
    note = notify(member, thread, reply_post, django_capture_on_commit_callbacks)
    [message] = sent_to(member)
    assert message.subject == f"[The Hub] Someone replied to your post in “{thread.title}”"
    assert "We saw the same on Tuesday." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    note.refresh_from_db()
    assert note.emailed_at is not None


@pytest.mark.parametrize("mode", ["digest", "never"])
def test_forum_activity_in_the_digest_or_never_is_not_mailed_now(people, thread, reply_post,
                                                                 django_capture_on_commit_callbacks, mode):
    member = member_of(thread.forum.sector)
    prefer(member, forum_email=mode)
    note = notify(member, thread, reply_post, django_capture_on_commit_callbacks)
    assert sent_to(member) == []
    note.refresh_from_db()
    assert note.emailed_at is None


def test_forum_activity_about_a_hidden_post_is_not_mailed(people, thread, reply_post,
                                                          django_capture_on_commit_callbacks):
    member = member_of(thread.forum.sector)
    reply_post.hidden = True
    reply_post.save(update_fields=["hidden"])
    notify(member, thread, reply_post, django_capture_on_commit_callbacks)
    assert sent_to(member) == []


def test_forum_activity_in_quiet_hours_is_sent_when_they_end(monkeypatch, client, people, thread, reply_post,
                                                             django_capture_on_commit_callbacks):
    member = member_of(thread.forum.sector)
    set_clock(monkeypatch, london(2026, 1, 15, 21))
    client.force_login(member)
    client.post(URL, {**VALID, "forum_email": "immediately"})  # quiet 22:00 to 07:00
    assert Preferences.objects.get(user=member).quiet_release_at == london(2026, 1, 16, 7)
    set_clock(monkeypatch, london(2026, 1, 15, 23))
    note = notify(member, thread, reply_post, django_capture_on_commit_callbacks)
    assert sent_to(member) == []
    set_clock(monkeypatch, london(2026, 1, 16, 7, 0, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert quiet.release_forum() == [member.pk]
        assert quiet.release_forum() == []  # once: the release moved on to the next end
    assert len(sent_to(member)) == 1
    note.refresh_from_db()
    assert note.emailed_at is not None
    assert Preferences.objects.get(user=member).quiet_release_at == london(2026, 1, 17, 7)


def test_a_reply_where_a_member_is_watching_emails_them_through_the_boards_signal(
        people, thread, moderator, django_capture_on_commit_callbacks):
    """End to end: the notifications app writes the post's notifications in one INSERT (no post_save); the
    post's signal queues their e-mail."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        board.reply(thread, author=moderator, body="Confirmed by the shopping centre's security team.")
    [message] = sent_to(people.member_a)  # the starter watches the thread
    assert "Confirmed by the shopping centre" in message.body
    assert Notification.objects.get(user=people.member_a, emailed_at__isnull=False)
