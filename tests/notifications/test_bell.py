"""The bell: its unread count in the navigation (cached, forgotten when a notification is written or read), live
over the socket, the notifications page, opening one (read) and marking all read; the moderators' decisions,
folded in from the board's old notes, behind the bell and on the dashboard."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEntry
from messaging.board import services as board
from messaging.board.models import Forum, Thread
from notifications import selectors, services
from notifications.models import Level, Notification
from sectors.models import Sector
from tests.factories import member_of
from tests.live.helpers import connect, hello

pytestmark = pytest.mark.django_db


def bell(client) -> str:
    return client.get(reverse("notifications:bell")).content.decode()


def test_the_bell_counts_unread_notifications_and_is_forgotten_when_one_arrives_or_is_read(
        client, people, thread, moderator, django_capture_on_commit_callbacks):
    services.set_thread_level(people.lead_a, thread, Level.WATCHING)
    client.force_login(people.lead_a)
    page = client.get(reverse("board:forum_list")).content.decode()
    assert 'data-live-part="notification-bell"' in page and 'id="notification-count"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        board.reply(thread, author=moderator, body="One.")
        board.reply(thread, author=moderator, body="Two.")
    assert selectors.cached_unread_count(people.lead_a.pk) is None  # forgotten after the commit
    assert ">2<" in bell(client)
    assert selectors.cached_unread_count(people.lead_a.pk) == 2
    note = Notification.objects.filter(user=people.lead_a).first()
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == note.url
    assert ">1<" in bell(client)
    client.post(reverse("notifications:read_all"))
    assert 'id="notification-count"' not in bell(client)
    assert not Notification.objects.filter(user=people.lead_a, read_at__isnull=True).exists()


def test_the_notifications_page_lists_newest_first_marks_the_unread_and_paginates(client, people, thread, moderator):
    services.set_thread_level(people.lead_a, thread, Level.WATCHING)
    for number in range(30):
        board.reply(thread, author=moderator, body=f"Reply number {number}.")
    Notification.objects.filter(user=people.lead_a, post__body="Reply number 29.").update(
        read_at="2026-01-01T00:00:00Z")
    client.force_login(people.lead_a)
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.count("notification-unread") == 24 and "Page 1 of 2" in page
    opened = [int(pk) for pk in re.findall(r'action="/notifications/(\d+)/open/"', page)]
    assert opened == sorted(opened, reverse=True) and len(opened) == 25  # newest first
    second = client.get(reverse("notifications:list") + "?page=2").content.decode()
    assert second.count("notification-unread") == 5


def test_a_notification_is_opened_only_by_its_owner_and_only_by_post(client, people, thread, moderator):
    services.set_thread_level(people.lead_a, thread, Level.WATCHING)
    board.reply(thread, author=moderator, body="For lead A.")
    note = Notification.objects.get(user=people.lead_a)
    client.force_login(people.lead_a)
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 405
    client.force_login(people.member_a)
    assert client.post(reverse("notifications:open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_opening_a_notification_never_leads_off_the_site(client, people):
    note = Notification.objects.create(user=people.member_a, kind=Notification.Kind.THREAD_APPROVED, text="x",
                                       url="//evil.example/")
    client.force_login(people.member_a)
    response = client.post(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_the_moderators_decisions_appear_behind_the_bell_and_on_the_dashboard(
        client, people, forums, moderator, django_capture_on_commit_callbacks):
    waiting = board.start_thread(forums.a, author=people.member_a, title="Van parked again", body="Blue van.")
    other = board.start_thread(forums.a, author=people.member_a, title="Another matter", body="y")
    with django_capture_on_commit_callbacks(execute=True):
        board.approve_thread(waiting, by=moderator)
        board.reject_thread(other, by=moderator, reason="Off topic")
    kinds = set(Notification.objects.filter(user=people.member_a).values_list("kind", flat=True))
    assert kinds == {Notification.Kind.THREAD_APPROVED, Notification.Kind.THREAD_REJECTED}
    client.force_login(people.member_a)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "was approved and is now visible in Retail" in dashboard and "was not approved: Off topic" in dashboard
    assert ">2<" in bell(client)
    listing = client.get(reverse("notifications:list")).content.decode()
    assert "Your thread was not approved" in listing  # the kind's label


def test_opening_a_thread_marks_its_notifications_read_and_says_so_in_the_audit_log(
        client, people, thread, moderator):
    services.set_thread_level(people.lead_a, thread, Level.WATCHING)
    board.reply(thread, author=moderator, body="Read me.")
    client.force_login(people.lead_a)
    client.get(thread.get_absolute_url())
    assert not Notification.objects.filter(user=people.lead_a, read_at__isnull=True).exists()
    client.get(thread.get_absolute_url())
    assert AuditEntry.objects.filter(action="notification.read", actor=people.lead_a).count() == 1


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_bell_is_refreshed_live_and_a_mention_shows_a_toast():
    def setup():
        retail = Sector.objects.get(slug="retail")
        author = member_of(retail, display_name="Ada Author")
        reader = member_of(retail, display_name="Rita Reader")
        thread = board.start_thread(Forum.objects.get(sector=retail), author=author, title="Lorry fire", body="x")
        Thread.objects.filter(pk=thread.pk).update(status=Thread.Status.APPROVED)
        thread.refresh_from_db()
        services.set_thread_level(reader, thread, Level.WATCHING)
        return author, reader, thread

    author, reader, thread = await sync_to_async(setup)()
    socket = await connect(reader)
    await hello(socket)
    await sync_to_async(board.reply)(thread, author=author, body="Road closed.")
    assert await socket.receive_json_from(timeout=3) == {"type": "news", "toast": False,
                                                          "refresh": ["notification-bell"]}
    await sync_to_async(board.reply)(thread, author=author, body="@Rita_Reader can you confirm?")
    news = await socket.receive_json_from(timeout=3)
    assert news["toast"] is True and news["heading"] == "Mentioned" and news["subheading"] == "by Ada Author"
    assert news["title"] == "Lorry fire" and news["refresh"] == ["notification-bell"]
    assert news["url"].startswith(thread.get_absolute_url())
    await socket.disconnect()


def test_the_dashboard_shows_on_the_bell_the_count_it_read_with_its_notifications_without_asking_the_cache(
        client, people, forums, moderator, django_capture_on_commit_callbacks, monkeypatch):
    waiting = board.start_thread(forums.a, author=people.member_a, title="Van parked again", body="Blue van.")
    with django_capture_on_commit_callbacks(execute=True):
        board.approve_thread(waiting, by=moderator)
    client.force_login(people.member_a)
    asked = []

    class Watched:  # the cache, noting the keys asked for
        def __getattr__(self, name):
            return getattr(cache, name)

        def get(self, key, *args, **kwargs):
            asked.append(key)
            return cache.get(key, *args, **kwargs)

    monkeypatch.setattr(selectors, "cache", Watched())

    dashboard = client.get(reverse("dashboard")).content.decode()

    assert 'id="notification-count" class="badge text-bg-danger">1<' in dashboard
    assert not [key for key in asked if key.startswith("notifications:unread:")]
    assert selectors.cached_unread_count(people.member_a.pk) == 1  # kept for the next pages
