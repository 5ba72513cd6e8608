"""Search on whichever database the run uses (SQLite's fallback or PostgreSQL's full text): what each reader
finds, the index following moderation, filters, bad input and the query bound."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messaging.board import services as board
from messaging.board.models import Post, Thread
from messaging.bulletins import services as bulletins
from search import indexing
from search.models import SearchDocument
from tests.factories import BulletinFactory, member_of
from tests.search.conftest import found_urls, results_part, search_page
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


def test_each_reader_finds_what_they_may_open_and_nothing_else(client, people, scene):
    a, b, hub = scene.a, scene.b, scene.hub
    in_forum = lambda place: {place.thread.get_absolute_url(), place.reply.get_absolute_url()}  # noqa: E731
    bulletin, incident = scene.published.get_absolute_url(), scene.incident.get_absolute_url()
    expected = {
        "member_a": in_forum(a) | in_forum(hub) | {bulletin},
        "moderator_a": in_forum(a) | in_forum(hub) | {bulletin},
        "member_b": in_forum(b) | in_forum(hub) | {incident},
        "officer": in_forum(hub) | {bulletin, incident},  # officers read the Hub forum, and every bulletin
        "admin": in_forum(a) | in_forum(b) | in_forum(hub) | {bulletin, incident},
    }
    for role, urls in expected.items():
        assert set(found_urls(search_page(client, getattr(people, role), q="lanterns"))) == urls, role


def test_hidden_replies_unapproved_threads_and_drafts_are_not_even_indexed(scene):
    indexed = set(SearchDocument.objects.values_list("kind", "object_id"))
    for place in (scene.a, scene.b, scene.hub):
        assert ("post", place.hidden.pk) not in indexed
        assert ("thread", place.pending.pk) not in indexed
        assert ("thread", place.rejected.pk) not in indexed
        assert not SearchDocument.objects.filter(thread=place.pending).exists()
    assert ("bulletin", scene.draft.pk) not in indexed


def test_people_who_may_read_nothing_may_not_search(client, people, scene):
    for role in ("unverified", "applicant"):
        assert search_page(client, getattr(people, role), q="lanterns").status_code == 403
    client.logout()
    response = client.get(reverse("search:results"), {"q": "lanterns"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_index_follows_edits_hiding_approval_rejection_and_moves(client, people, scene, forums_of):
    a = scene.a
    board.edit_post(a.reply, by=people.member_a, body="Nothing but candles now.")
    assert a.reply.get_absolute_url() not in found_urls(search_page(client, people.member_a, q="lanterns"))
    assert a.reply.get_absolute_url() in found_urls(search_page(client, people.member_a, q="candles"))

    board.set_post_hidden(a.reply, by=people.moderator_a, hidden=True)
    assert found_urls(search_page(client, people.member_a, q="candles")) == []
    board.set_post_hidden(a.reply, by=people.moderator_a, hidden=False)
    assert found_urls(search_page(client, people.member_a, q="candles")) == [a.reply.get_absolute_url()]

    board.approve_thread(a.pending, by=people.moderator_a)
    assert a.pending.get_absolute_url() in found_urls(search_page(client, people.member_a, q="waiting"))

    # Moved to forum B: member A no longer reads it, member B does, thread and replies alike.
    board.move_thread(a.thread, by=people.admin, to=forums_of.b)
    assert a.thread.get_absolute_url() not in found_urls(search_page(client, people.member_a, q="lanterns"))
    assert a.reply.get_absolute_url() in found_urls(search_page(client, people.member_b, q="candles"))
    assert set(SearchDocument.objects.filter(thread=a.thread).values_list("forum_id", flat=True)) == {forums_of.b.pk}

    # Rejected after all (the edit of a thread resubmits it): every document of the thread goes.
    a.thread.refresh_from_db()
    a.thread.status = Thread.Status.REJECTED
    a.thread.save(update_fields=["status"])
    assert not SearchDocument.objects.filter(thread=a.thread).exists()


def test_a_document_the_index_kept_by_mistake_still_shows_to_nobody_who_may_not_open_it(client, people, scene,
                                                                                         forums_of):
    """The index is the first line, the rules when searching the second: writes that send no signal (a
    queryset's update) leave documents behind, and what they changed on the board still holds."""
    a, hub = scene.a, scene.hub
    Post.objects.filter(pk=a.reply.pk).update(hidden=True)
    found = found_urls(search_page(client, people.member_a, q="lanterns"))
    assert a.reply.get_absolute_url() not in found and a.thread.get_absolute_url() in found

    Thread.objects.filter(pk=hub.thread.pk).update(status=Thread.Status.PENDING)
    found = found_urls(search_page(client, people.member_b, q="lanterns"))
    assert hub.thread.get_absolute_url() not in found and hub.reply.get_absolute_url() not in found

    Thread.objects.filter(pk=a.thread.pk).update(forum=forums_of.b)  # member A no longer reads it
    found = found_urls(search_page(client, people.member_a, q="lanterns"))
    assert a.thread.get_absolute_url() not in found
    assert SearchDocument.objects.filter(thread__in=[a.thread, hub.thread]).count() == 4  # all left behind


def test_every_search_costs_the_same_queries_whatever_it_finds(client, people, scene, sector_a):
    """Nothing, one, many, with filters: one query for the page and its count, so the same number for all."""
    client.force_login(people.member_a)
    url = reverse("search:results")
    client.get(url, {"q": "lanterns"})  # the session's first request does one-off work
    searches = {"many": {"q": "lanterns"}, "one": {"q": "loading"}, "none": {"q": "zeppelin"},
                "filters": {"q": "lanterns", "kind": "post", "where": sector_a.slug, "author": "member"},
                "bulletins": {"q": "lanterns", "kind": "bulletin"}, "hub": {"q": "lanterns", "where": "hub"}}
    counts, found = {}, {}
    for name, params in searches.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        counts[name], found[name] = len(queries), len(found_urls(response))
    assert found["many"] > found["one"] > 0 and found["none"] == 0 and found["filters"] > 0
    assert len(set(counts.values())) == 1, counts


def test_a_page_past_the_last_shows_the_last(client, people, scene, monkeypatch):
    monkeypatch.setattr("search.views.PER_PAGE", 2)
    pages = [found_urls(search_page(client, people.member_a, q="lanterns", page=number)) for number in (1, 2, 3)]
    assert [len(urls) for urls in pages] == [2, 2, 1] and len({url for urls in pages for url in urls}) == 5
    for number in ("4", "99"):
        response = search_page(client, people.member_a, q="lanterns", page=number)
        assert response.context["page_obj"].number == 3 and found_urls(response) == pages[2]
    for number in ("x", ""):
        assert found_urls(search_page(client, people.member_a, q="lanterns", page=number)) == pages[0]
    response = search_page(client, people.member_a, q="zeppelin", page="4")
    assert response.status_code == 200 and 'id="search-none"' in response.content.decode()


def test_a_title_edit_and_a_new_bulletin_and_incident_are_found_at_once(client, people, scene, sector_a,
                                                                           django_capture_on_commit_callbacks):
    board.edit_post(scene.hub.thread.posts.first(), by=people.officer, title="Fireworks by the river",
                    body="Paper lanterns seen near the hub entrance.")
    assert found_urls(search_page(client, people.member_b, q="fireworks")) == [scene.hub.thread.get_absolute_url()]
    with django_capture_on_commit_callbacks(execute=True):
        update = bulletins.post_incident_update(scene.incident, title="Bridge reopened", body="Fireworks cleared.",
                                                severity="info", by=people.officer)
    found = found_urls(search_page(client, people.member_b, q="fireworks"))
    assert update.get_absolute_url() in found
    assert update.get_absolute_url() not in found_urls(search_page(client, people.member_a, q="fireworks"))


def test_deleting_an_object_deletes_its_documents(scene):
    thread_id, bulletin_id = scene.b.thread.pk, scene.published.pk
    scene.b.thread.delete()
    scene.published.delete()
    assert not SearchDocument.objects.filter(thread_id=thread_id).exists()
    assert not SearchDocument.objects.filter(kind="bulletin", object_id=bulletin_id).exists()


@pytest.mark.parametrize(("params", "expected"), [
    ({"kind": "post"}, {"reply", "hub reply"}),
    ({"kind": "thread"}, {"thread", "hub thread"}),
    ({"where": "hub"}, {"hub thread", "hub reply"}),
    ({"where": "retail"}, {"thread", "reply", "bulletin"}),
    ({"author": "member a"}, {"reply", "hub reply"}),
    ({"kind": "bulletin", "where": "banking-and-finance"}, set()),
])
def test_filters_narrow_the_results(client, people, scene, params, expected):
    names = {scene.a.thread.get_absolute_url(): "thread", scene.a.reply.get_absolute_url(): "reply",
             scene.hub.thread.get_absolute_url(): "hub thread", scene.hub.reply.get_absolute_url(): "hub reply",
             scene.published.get_absolute_url(): "bulletin"}
    response = search_page(client, people.member_a, q="lanterns", **params)
    assert response.status_code == 200
    assert {names[url] for url in found_urls(response)} == expected


def test_the_date_range_counts_whole_days(client, people, scene):
    today = timezone.localdate()
    SearchDocument.objects.filter(kind="thread", object_id=scene.a.thread.pk).update(
        created_at=timezone.now() - timedelta(days=30))
    found = lambda **dates: set(found_urls(search_page(client, people.member_a, q="lanterns", **dates)))  # noqa: E731
    assert scene.a.thread.get_absolute_url() not in found(since=today - timedelta(days=1))
    assert found(until=today - timedelta(days=20)) == {scene.a.thread.get_absolute_url()}
    assert scene.a.reply.get_absolute_url() in found(since=today, until=today)
    response = search_page(client, people.member_a, q="lanterns", since=today, until=today - timedelta(days=1))
    assert response.status_code == 200 and "The end of the range is before its start." in response.content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ("", "search-empty"),
    ("   ", "search-empty"),
    ("?!.,;:-", "search-nothing"),
    ("\"\"\"", "search-nothing"),
    ("lanterns" + " x" * 5000, "search-cut"),
    ("x" * 10_000, "search-cut"),
    ("'; DROP TABLE search_searchdocument; --", "search-none"),
    ("lanterns' OR '1'='1", None),
    ("\x00lanterns\x00", None),
    ("ランタン 灯笼 фонари 🏮", "search-none"),
    ("\ue000lanterns\ue001", None),
    ("(lanterns & !) | <script>", None),
])
def test_bad_input_is_a_page_with_a_clear_message(client, people, scene, query, message):
    response = search_page(client, people.member_a, q=query)
    assert response.status_code == 200
    page = results_part(response)
    if message:
        assert f'id="{message}"' in page
    assert SearchDocument.objects.exists()  # and nothing was dropped
    assert not executable_markup(page, allowed_tags=frozenset({"form"}))


def test_an_invalid_filter_is_said_beside_it(client, people, scene):
    response = search_page(client, people.member_a, q="lanterns", since="31/02/2026", kind="secret", where="mars")
    page = response.content.decode()
    assert response.status_code == 200 and 'id="search-invalid"' in page
    assert "Enter a valid date." in page and "Select a valid choice." in page


def test_user_markup_in_results_is_shown_as_text_and_the_matches_marked(client, people, sector_a):
    member = member_of(sector_a, display_name="<b>Mallory</b>")
    forum = sector_a.forum
    thread = board.start_thread(forum, author=people.officer, title="<script>alert(1)</script> xssprobe",
                                body="intro")
    for text in CORPUS:
        board.reply(thread, author=member, body=f"xssprobe {text} xssprobe")
    response = search_page(client, member, q="xssprobe")
    page = results_part(response)
    assert response.status_code == 200 and len(response.context["results"]) == 17
    assert not executable_markup(page, allowed_tags=frozenset({"form"}))
    assert "<mark>xssprobe</mark>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\ue000" not in page and "\ue001" not in page


def test_the_marks_cannot_be_forged_by_user_text():
    assert indexing.plain_text("<p>a \ue000b\ue001 c</p>") == "a b c"
    from search.highlight import marked_html

    assert marked_html("x \ue000<i>y</i>\ue001 \ue001z") == "x <mark>&lt;i&gt;y&lt;/i&gt;</mark> z"


def test_stored_html_becomes_plain_words(scene):
    assert indexing.plain_text("<p>One&amp;two</p><p>three</p><ul><li>four</li><li>five</li></ul>") == \
        "One&two three four five"


@pytest.mark.parametrize("replies", [2, 45])
def test_the_results_page_costs_the_same_queries_however_many_match(client, people, scene, replies,
                                                                     django_assert_max_num_queries):
    for number in range(replies):
        board.reply(scene.a.thread, author=people.member_a, body=f"Lanterns again, number {number}.")
    client.force_login(people.member_a)
    client.get(reverse("search:results"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("search:results"), {"q": "lanterns", "page": "2" if replies > 20 else "1"})
    assert response.status_code == 200 and response.context["results"]


def test_more_than_the_cap_says_so(client, people, scene, monkeypatch):
    monkeypatch.setattr("search.selectors.MAX_RESULTS", 2)
    response = search_page(client, people.member_a, q="lanterns")
    assert "More than 2 results" in response.content.decode() and len(response.context["results"]) == 2


def test_reindex_writes_what_bulk_inserts_skipped_and_removes_what_is_no_longer_searchable(people, scene):
    thread = scene.a.thread
    Post.objects.bulk_create([Post(thread=thread, author=people.member_a, body="Bulk lanterns.")])
    Post.objects.filter(pk=scene.b.reply.pk).update(hidden=True)  # no signal
    SearchDocument.objects.filter(kind="incident").delete()
    before = SearchDocument.objects.count()
    call_command("reindex", verbosity=0)
    bulk = Post.objects.get(body="Bulk lanterns.")
    assert SearchDocument.objects.filter(kind="post", object_id=bulk.pk).exists()
    assert not SearchDocument.objects.filter(kind="post", object_id=scene.b.reply.pk).exists()
    assert SearchDocument.objects.filter(kind="incident", object_id=scene.incident.pk).exists()
    assert SearchDocument.objects.count() == before + 1  # + bulk + incident - hidden reply
    if connection.vendor == "postgresql":
        assert not SearchDocument.objects.filter(vector__isnull=True).exists()


def test_a_draft_published_later_is_found_then(client, people, scene, django_capture_on_commit_callbacks):
    assert scene.draft.get_absolute_url() not in found_urls(search_page(client, people.officer, q="draft lanterns"))
    with django_capture_on_commit_callbacks(execute=True):
        bulletins.publish_bulletin(scene.draft, by=people.officer)
    assert scene.draft.get_absolute_url() in found_urls(search_page(client, people.member_a, q="draft lanterns"))


def test_the_navigation_has_a_search_box_for_readers_only(client, people):
    client.force_login(people.member_a)
    assert 'id="nav-search"' in client.get(reverse("sectors:directory")).content.decode()
    client.force_login(people.applicant)
    assert 'id="nav-search"' not in client.get(reverse("sectors:directory")).content.decode()


def test_a_bulletin_draft_by_factory_is_not_indexed_until_published(people, sector_a):
    draft = BulletinFactory(title="Quiet", author=people.officer, sectors=[sector_a])
    assert not SearchDocument.objects.filter(kind="bulletin", object_id=draft.pk).exists()
