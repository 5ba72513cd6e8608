"""PostgreSQL's full-text search (the stored vector, websearch syntax, ranking, ts_headline snippets) and, on
SQLite, the plain fallback: each runs on its own database's run."""

import pytest
from django.db import connection

from messaging.board import services as board
from search import selectors
from tests.search.conftest import found_urls, results_part, search_page
from tests.xss import executable_markup

ON_SQLITE = "full-text search is PostgreSQL's; the SQLite run tests the fallback"
ON_POSTGRESQL = "the fallback serves SQLite only"
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_SQLITE)
sqlite_only = pytest.mark.skipif(connection.vendor == "postgresql", reason=ON_POSTGRESQL)
pytestmark = pytest.mark.django_db


def _threads(scene):
    return {scene.a.thread.get_absolute_url(), scene.hub.thread.get_absolute_url()}


@postgresql_only
def test_websearch_syntax_phrases_or_and_exclusion(client, people, scene):
    member = people.member_a
    assert set(found_urls(search_page(client, member, q='"paper lanterns"'))) == _threads(scene)
    assert set(found_urls(search_page(client, member, q="lanterns -paper -advice"))) == {
        scene.a.reply.get_absolute_url(), scene.hub.reply.get_absolute_url()}
    board.reply(scene.a.thread, author=member, body="Candles by the door.")
    both = set(found_urls(search_page(client, member, q="candles or unattended")))
    assert scene.published.get_absolute_url() in both and len(both) == 2
    assert found_urls(search_page(client, member, q='"lanterns paper"')) == []  # a phrase keeps its order


@postgresql_only
def test_english_stemming_finds_other_forms_of_a_word(client, people, scene):
    assert set(found_urls(search_page(client, people.member_a, q="lantern"))) == set(
        found_urls(search_page(client, people.member_a, q="lanterns")))


@postgresql_only
def test_a_title_match_ranks_above_newer_body_matches_and_equals_go_newest_first(client, people, sector_a):
    forum = sector_a.forum
    titled = board.start_thread(forum, author=people.officer, title="Generator failure", body="Power is out.")
    older = board.start_thread(forum, author=people.officer, title="Power", body="The generator hums.")
    newer = board.start_thread(forum, author=people.officer, title="Power", body="The generator hums.")
    assert found_urls(search_page(client, people.member_a, q="generator")) == [
        titled.get_absolute_url(), newer.get_absolute_url(), older.get_absolute_url()]


@postgresql_only
def test_snippets_are_highlighted_and_escaped(client, people, sector_a):
    body = ("Start. " + "Filler words here. " * 40 + "Then `<script>alert('x')</script>` near the **generator** "
            "and <img src=x onerror=alert(2)> too. " + "More filler. " * 40)
    board.start_thread(sector_a.forum, author=people.officer, title="Quiet", body=body)
    response = search_page(client, people.member_a, q="generator")
    part = results_part(response)
    assert "<mark>generator</mark>" in part
    # The code span's text is in the snippet as text (PostgreSQL's parser drops what looks like a tag).
    assert "alert(&#x27;x&#x27;)" in part and "<script>alert" not in part
    assert not executable_markup(part, allowed_tags=frozenset({"form"}))
    snippet = str(response.context["results"][0].snippet_html)
    assert len(snippet) < 600 and "Start." not in snippet  # a fragment around the match, not the whole text


@postgresql_only
def test_only_stop_words_find_nothing_and_say_so(client, people, scene):
    response = search_page(client, people.member_a, q="the and of")
    assert response.status_code == 200 and 'id="search-none"' in response.content.decode()


@sqlite_only
def test_the_fallback_needs_every_word_and_lists_newest_first(client, people, scene):
    member = people.member_a
    assert found_urls(search_page(client, member, q="entrance LANTERNS")) == [
        scene.hub.thread.get_absolute_url(), scene.a.thread.get_absolute_url()]
    assert found_urls(search_page(client, member, q="lanterns nowhere")) == []


@sqlite_only
def test_the_fallback_snippet_is_cut_around_the_first_match_and_marked(client, people, sector_a):
    body = "Filler words here. " * 40 + "Then <b>the</b> generator. " + "More filler. " * 40
    board.start_thread(sector_a.forum, author=people.officer, title="Quiet", body=body)
    result = search_page(client, people.member_a, q="generator").context["results"][0]
    snippet = str(result.snippet_html)
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>generator</mark>" in snippet
    assert "&lt;b&gt;" not in snippet and "<b>" not in snippet  # the stored text is plain: the tags were markup
    assert len(snippet) <= selectors.SNIPPET_CHARS + 40
