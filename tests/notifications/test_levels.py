"""Who is told of a new post: the watch levels (watching, tracking, normal, muted) on the thread or its forum,
replies (quotes) and mentions; never the author, never anyone who may not read the forum; in a constant number
of queries whatever the number of watchers."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.board import quotes
from messaging.board import services as board
from notifications import services
from notifications.models import Level, Notification, Watch
from sectors.models import Membership
from tests.factories import member_of

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def reply(thread, author, body="Same here on Tuesday."):
    return board.reply(thread, author=author, body=body)


def test_a_thread_starter_watches_their_thread(people, thread):
    assert Watch.objects.get(user=people.member_a, thread=thread).level == Level.WATCHING


def test_watching_the_thread_is_told_of_every_post(people, thread, moderator):
    services.set_thread_level(people.lead_a, thread, Level.WATCHING)
    post = reply(thread, moderator)
    assert told(people.lead_a) == [Kind.WATCHED_POST]
    assert told(people.member_a)[-1] == Kind.WATCHED_POST  # the starter, watching
    note = Notification.objects.get(user=people.lead_a)
    assert note.post == post and note.actor == moderator and note.url == post.get_absolute_url()
    assert note.text == "Moderator A posted in “Thefts on the high street”"


def test_watching_the_forum_is_told_of_new_threads_and_posts_unless_the_thread_says_otherwise(
        people, forums, moderator):
    services.set_forum_level(people.lead_a, forums.a, Level.WATCHING)
    started = board.start_thread(forums.a, author=moderator, title="Road closures", body="Friday.")
    assert told(people.lead_a) == [Kind.NEW_THREAD]
    assert "started “Road closures” in Retail" in Notification.objects.get(user=people.lead_a).text
    reply(started, people.member_a)
    assert told(people.lead_a) == [Kind.NEW_THREAD, Kind.WATCHED_POST]
    services.set_thread_level(people.lead_a, started, Level.NORMAL)  # the thread's own level wins
    reply(started, people.member_a, body="And Saturday?")
    assert len(told(people.lead_a)) == 2


def test_a_pending_thread_tells_nobody_until_it_is_approved(people, forums, moderator,
                                                             django_capture_on_commit_callbacks):
    services.set_forum_level(people.lead_a, forums.a, Level.WATCHING)
    waiting = board.start_thread(forums.a, author=people.member_a, title="Skimmers?", body="Found one, @Lead_A.")
    assert told(people.lead_a) == []
    with django_capture_on_commit_callbacks(execute=True):
        board.approve_thread(waiting, by=moderator)
    # Watching and mentioned: one notification for the post, the mention (the stronger reason).
    assert told(people.lead_a) == [Kind.MENTION]


@pytest.mark.parametrize("level", [Level.TRACKING, Level.NORMAL, None])
def test_tracking_and_normal_are_told_only_of_replies_to_their_posts_and_mentions(people, thread, moderator, level):
    lead_post = reply(thread, people.lead_a, body="Seen the same.")
    Watch.objects.filter(user=people.lead_a).delete()
    if level:
        services.set_thread_level(people.lead_a, thread, level)
    reply(thread, moderator, body="Thanks all.")
    assert told(people.lead_a) == []
    reply(thread, moderator, body=f"{quotes.reference(lead_post.pk)}\n\nWhen was that?")
    assert told(people.lead_a) == [Kind.REPLY]
    assert "replied to your post" in Notification.objects.get(user=people.lead_a).text
    reply(thread, moderator, body="Over to you, @lead_a.")
    assert told(people.lead_a) == [Kind.REPLY, Kind.MENTION]


def test_muted_hears_nothing_not_even_mentions_or_replies(people, thread, moderator):
    lead_post = reply(thread, people.lead_a)
    services.set_thread_level(people.lead_a, thread, Level.MUTED)
    reply(thread, moderator, body=f"{quotes.reference(lead_post.pk)}\n\n@Lead_A what do you think?")
    assert told(people.lead_a) == []


def test_a_muted_forum_mutes_its_threads_unless_they_have_their_own_level(people, forums, thread, moderator):
    services.set_forum_level(people.lead_a, forums.a, Level.MUTED)
    reply(thread, moderator, body="@Lead_A?")
    assert told(people.lead_a) == []
    services.set_thread_level(people.lead_a, thread, Level.NORMAL)
    reply(thread, moderator, body="@Lead_A, again?")
    assert told(people.lead_a) == [Kind.MENTION]


def test_the_author_is_never_told_of_their_own_post(people, thread):
    own = reply(thread, people.member_a, body="Update: @Member_A (me) saw more.")
    reply(thread, people.member_a, body=f"{quotes.reference(own.pk)}\n\nAnd again.")
    assert Notification.objects.filter(user=people.member_a, post__isnull=False).count() == 0


def test_people_who_cannot_read_the_forum_are_never_told(people, thread, moderator, sector_a):
    # Member B reads only forum B; a watch row on forum A's thread (left from a former membership) changes nothing.
    Watch.objects.create(user=people.member_b, thread=thread, level=Level.WATCHING)
    services.set_thread_level(people.lead_a, thread, Level.WATCHING)
    Membership.objects.filter(user=people.lead_a, sector=sector_a).update(status="suspended")
    reply(thread, moderator, body="@Member_B @Lead_A @Officer have a look.")
    assert told(people.member_b) == [] and told(people.lead_a) == [] and told(people.officer) == []


def test_a_mention_of_someone_who_cannot_read_the_forum_says_nothing(client, people, thread):
    """The author's page is the same whether the name exists elsewhere on the portal or nowhere."""
    client.force_login(people.lead_a)
    url = reverse("board:reply", args=[thread.pk])
    for name in ("@Member_B", "@Nobody_At_All"):
        response = client.post(url, {"body": f"Ask {name} about it."}, follow=True)
        assert response.status_code == 200
        assert [str(message) for message in response.context["messages"]] == []
        assert "Member B" not in response.content.decode()
    assert told(people.member_b) == []


def test_a_mention_names_the_first_words_of_a_display_name_and_needs_one_match(people, thread, moderator, sector_a):
    sam = member_of(sector_a, display_name="Sam Patel (Acme Retail)")
    other_sam = member_of(sector_a, display_name="Sam Jones (Beta Stores)")
    reply(thread, moderator, body="@sam_patel and @SAM_PATEL_(ACME_RETAIL), and @Sam alone (two Sams: nobody).")
    assert told(sam) == [Kind.MENTION] and told(other_sam) == []


def test_replying_sets_tracking_unless_a_level_was_chosen(people, thread):
    reply(thread, people.lead_a)
    assert Watch.objects.get(user=people.lead_a, thread=thread).level == Level.TRACKING
    services.set_thread_level(people.lead_a, thread, Level.MUTED)
    reply(thread, people.lead_a, body="Once more.")
    assert Watch.objects.get(user=people.lead_a, thread=thread).level == Level.MUTED
    # The starter, replying in their own thread, keeps watching it.
    reply(thread, people.member_a)
    assert Watch.objects.get(user=people.member_a, thread=thread).level == Level.WATCHING


def _watchers(forum, sector, count: int) -> list[int]:
    User = get_user_model()
    start = User.objects.count()
    users = User.objects.bulk_create(User(email=f"watcher{start + i}@example.com", display_name=f"Watcher {start + i}")
                                     for i in range(count))
    Membership.objects.bulk_create(Membership(user=user, sector=sector, status="approved") for user in users)
    Watch.objects.bulk_create(Watch(user=user, forum=forum, level=Level.WATCHING) for user in users)
    return [user.pk for user in users]


def _queries_for_a_reply(thread, author, body) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        reply(thread, author, body=body)
    return [query["sql"] for query in queries.captured_queries]


def test_a_post_tells_500_watchers_in_as_many_queries_as_it_tells_5(people, forums, sector_a, thread, moderator):
    _watchers(forums.a, sector_a, 5)
    reply(thread, moderator, body="First: what the moderator's user object remembers (sectors) is remembered.")
    small = _queries_for_a_reply(thread, moderator, "Five watchers, @Lead_A.")
    assert Notification.objects.filter(kind=Kind.WATCHED_POST, post__body__startswith="Five").count() == 6
    assert Notification.objects.get(user=people.lead_a, post__body__startswith="Five").kind == Kind.MENTION
    _watchers(forums.a, sector_a, 495)
    big = _queries_for_a_reply(thread, moderator, "Five hundred watchers, @Lead_A.")
    assert Notification.objects.filter(post__body__startswith="Five hundred").count() == 502  # + starter, lead
    inserts = [sql for sql in big if sql.startswith("INSERT") and '"notifications_notification"' in sql[:60]]
    # One INSERT for the notifications; SQLite's driver takes at most 999 parameters, so Django splits it there.
    batch = connection.ops.bulk_batch_size([field for field in Notification._meta.concrete_fields
                                            if field.name != "id"], range(502))
    assert len(inserts) == -(-502 // batch)
    assert len(big) - len(inserts) == len(small) - 1


def test_a_mention_added_by_editing_a_reply_tells_that_person_once(people, thread, moderator,
                                                                    django_capture_on_commit_callbacks):
    post = reply(thread, moderator, body="Any more sightings?")
    with django_capture_on_commit_callbacks(execute=True):
        board.edit_post(post, by=moderator, body="Any more sightings, @Lead_A?")
    assert told(people.lead_a) == [Kind.MENTION]
    note = Notification.objects.get(user=people.lead_a)
    assert note.post == post and note.text == "Moderator A mentioned you in “Thefts on the high street”"
    board.edit_post(post, by=moderator, body="Any more sightings on Friday, @Lead_A?")  # the same mention again
    assert told(people.lead_a) == [Kind.MENTION]


def test_a_mention_added_by_an_edit_is_told_only_to_readers_not_muted(people, thread, moderator):
    post = reply(thread, moderator, body="Who saw it?")
    services.set_thread_level(people.lead_a, thread, Level.MUTED)
    board.edit_post(post, by=moderator, body="Who saw it? @Lead_A @Member_B")
    assert told(people.lead_a) == [] and told(people.member_b) == []


def test_a_held_edit_tells_its_new_mentions_when_a_moderator_approves_it(people, thread, moderator):
    opening = thread.posts.order_by("created_at", "id").first()
    held = board.edit_post(opening, by=people.member_a, body="Two distraction thefts this week. @Lead_A saw one.")
    assert held.proposal is not None and told(people.lead_a) == []
    board.approve_edit(held.proposal, by=moderator)
    assert told(people.lead_a) == [Kind.MENTION]
