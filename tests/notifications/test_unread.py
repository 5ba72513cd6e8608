"""Unread markers: where each member stopped in each thread ("N new" on the forum page, a thread opening at the
first unread post, "mark all read" per forum), in a constant number of queries per page."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messaging.board import services as board
from messaging.board.models import Post, Thread
from notifications import services
from notifications.models import Level, Notification, ReadState, Watch

pytestmark = pytest.mark.django_db


def news_of(client, forum) -> dict[str, str]:
    """The forum page's threads: title -> "N new" (or "")."""
    page = client.get(forum.get_absolute_url()).content.decode()
    found = {}
    row = r'<span class="fw-semibold text-break">(?:<span[^>]*>[^<]*</span>)*([^<]+)(.*?)</span>\s*<small'
    for title, rest in re.findall(row, page, re.DOTALL):
        match = re.search(r"(\d+) new", rest)
        found[title.strip()] = f"{match.group(1)} new" if match else ""
    return found


def test_the_forum_page_shows_n_new_and_links_to_the_first_unread_post(client, people, forums, thread, moderator):
    client.force_login(people.lead_a)
    # Never opened: every post is new, and the link opens the thread at its start.
    assert news_of(client, forums.a)["Thefts on the high street"] == "1 new"
    client.get(thread.get_absolute_url())
    assert news_of(client, forums.a)["Thefts on the high street"] == ""
    first = board.reply(thread, author=moderator, body="One.")
    board.reply(thread, author=moderator, body="Two.")
    assert news_of(client, forums.a)["Thefts on the high street"] == "2 new"
    page = client.get(forums.a.get_absolute_url()).content.decode()
    link = f"{thread.get_absolute_url()}?post={first.pk}#post-{first.pk}"
    assert f'href="{link}"' in page
    # The link opens the page the first unread post is on, at that post.
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].endswith(f"#post-{first.pk}")
    client.get(response["Location"])
    assert news_of(client, forums.a)["Thefts on the high street"] == ""


def test_a_thread_opens_at_the_page_of_the_first_unread_post(client, people, forums, thread, moderator):
    client.force_login(people.lead_a)
    client.get(thread.get_absolute_url())
    now = timezone.now()
    Post.objects.bulk_create(Post(thread=thread, author=moderator, body=f"Old {i}", created_at=now)
                             for i in range(30))
    Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 30)
    client.get(thread.get_absolute_url() + "?page=2")  # read up to the end (31 posts: 2 pages)
    new = board.reply(thread, author=moderator, body="The new one.")
    page = client.get(forums.a.get_absolute_url()).content.decode()
    assert "1 new" in page and f"?post={new.pk}#post-{new.pk}" in page
    response = client.get(f"{thread.get_absolute_url()}?post={new.pk}")
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#post-{new.pk}"


def test_reading_an_earlier_page_again_never_moves_the_mark_back(client, people, thread, moderator):
    for number in range(25):
        board.reply(thread, author=moderator, body=f"Reply {number}")
    client.force_login(people.lead_a)
    client.get(thread.get_absolute_url() + "?page=2")
    last = thread.posts.order_by("-pk").first().pk
    client.get(thread.get_absolute_url())
    assert ReadState.objects.get(user=people.lead_a, thread=thread).last_read_post_id == last


def test_a_thread_view_writes_its_read_state_in_one_statement(client, people, thread):
    client.force_login(people.lead_a)
    client.get(thread.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(thread.get_absolute_url())
    writes = [query["sql"] for query in queries.captured_queries
              if query["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(writes) == 1 and "notifications_readstate" in writes[0]


def test_mark_all_read_in_a_forum_clears_every_thread_with_one_row(client, people, forums, thread, moderator):
    other = board.start_thread(forums.a, author=moderator, title="Road closures", body="Friday.")
    board.reply(thread, author=moderator, body="News.")
    client.force_login(people.lead_a)
    assert set(news_of(client, forums.a).values()) == {"1 new", "2 new"}
    response = client.post(reverse("notifications:forum_read", args=[forums.a.slug]))
    assert response.status_code == 302
    assert set(news_of(client, forums.a).values()) == {""}
    assert not ReadState.objects.filter(user=people.lead_a).exists()  # one forum row, not one per thread
    board.reply(other, author=moderator, body="Saturday too.")
    assert news_of(client, forums.a)["Road closures"] == "1 new"


def test_a_muted_thread_shows_no_count(client, people, forums, thread, moderator):
    services.set_thread_level(people.lead_a, thread, Level.MUTED)
    board.reply(thread, author=moderator, body="News.")
    client.force_login(people.lead_a)
    assert news_of(client, forums.a)["Thefts on the high street"] == ""


def test_the_level_controls_set_the_levels_and_show_them(client, people, forums, thread):
    client.force_login(people.lead_a)
    client.post(reverse("notifications:forum_level", args=[forums.a.slug]), {"level": "watching"})
    page = client.get(forums.a.get_absolute_url()).content.decode()
    assert '<option value="watching" selected>' in page
    thread_page = client.get(thread.get_absolute_url()).content.decode()
    assert '<option value="watching" selected>' in thread_page and "(the forum's level)" in thread_page
    client.post(reverse("notifications:thread_level", args=[thread.pk]), {"level": "muted"})
    assert Watch.objects.get(user=people.lead_a, thread=thread).level == Level.MUTED
    thread_page = client.get(thread.get_absolute_url()).content.decode()
    assert '<option value="muted" selected>' in thread_page and "the forum's level" not in thread_page
    response = client.post(reverse("notifications:thread_level", args=[thread.pk]), {"level": "loud"}, follow=True)
    assert "Choose one of the notification levels." in response.content.decode()
    assert Watch.objects.get(user=people.lead_a, thread=thread).level == Level.MUTED


def _busy(forum, thread, author, rows: int, reader) -> None:
    now = timezone.now()
    threads = Thread.objects.bulk_create(Thread(forum=forum, author=author, title=f"Thread {i}", status="approved",
                                                created_at=now, last_activity_at=now) for i in range(rows))
    Post.objects.bulk_create(Post(thread=thread, author=author, body=f"Post {i}", created_at=now) for i in range(rows))
    Post.objects.bulk_create(Post(thread=other, author=author, body="Opening", created_at=now) for other in threads)
    Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + rows)
    ReadState.objects.bulk_create(ReadState(user=reader, thread=other, last_read_post_id=1) for other in threads)
    Watch.objects.bulk_create(Watch(user=reader, thread=other, level=Level.TRACKING) for other in threads[::2])
    Notification.objects.bulk_create(Notification(user=reader, kind="watched_post", thread=thread, text=f"N {i}",
                                                  url=thread.get_absolute_url()) for i in range(rows))


@pytest.mark.parametrize("role", ["lead_a", "moderator_a"])
def test_forum_and_thread_pages_keep_their_query_bound_with_read_states_watches_and_notifications(
        client, people, forums, thread, moderator, role):
    counts = {}
    reader = getattr(people, role)
    for rows in (10, 500):
        _busy(forums.a, thread, moderator, rows, reader)
        client.force_login(reader)
        client.get(reverse("dashboard"))
        urls = [forums.a.get_absolute_url(), f"{forums.a.get_absolute_url()}?page=last",
                thread.get_absolute_url(), f"{thread.get_absolute_url()}?page=last", reverse("notifications:list"),
                reverse("notifications:bell"), reverse("dashboard")]
        for url in urls:
            client.get(url)  # the thread's notifications are marked read on the first view
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[(rows, url)] = len(queries.captured_queries)
            cache.clear()  # the bell's count not cached: the worst case
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[(rows, url, "cold")] = len(queries.captured_queries)
    for key, count in counts.items():
        assert count <= 12, (key, count)
        assert count == counts[(10, *key[1:])], key  # the same at both sizes
