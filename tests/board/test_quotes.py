"""A quote shows the quoted post as it is now: a hidden post's text survives in no other post's quote, and is
back when the post is shown again."""

import pytest
from django.urls import reverse

from messaging.board import services
from messaging.board.models import Post
from tests.factories import member_of

pytestmark = pytest.mark.django_db
SECRET = "Call me on 07700 900123"


@pytest.fixture
def quoted(people, board):
    """Member A's reply with a phone number in board.approved, which lead A quotes."""
    return services.reply(board.approved, author=people.member_a, body=SECRET)


def _thread_page(client, user, thread) -> str:
    client.force_login(user)
    return client.get(thread.get_absolute_url()).content.decode()


def _hide(client, people, post, hidden: bool) -> None:
    client.force_login(people.moderator_a)
    client.post(reverse("board:post_hide" if hidden else "board:post_unhide", args=[post.pk]), {"reason": "PII"})


def test_the_quote_button_inserts_a_reference_not_the_text(client, people, board, quoted):
    page = _thread_page(client, people.lead_a, board.approved)
    assert f'id="post-{quoted.pk}-source" aria-hidden="true" tabindex="-1" readonly>[quote={quoted.pk}]<' in page


@pytest.mark.parametrize("how", ["reference", "pasted copy"])
def test_hiding_a_quoted_post_hides_it_in_every_quote_and_unhiding_brings_it_back(client, people, board, quoted,
                                                                                how):
    quote = (f"> [quote={quoted.pk}]" if how == "reference"
             else f"{people.member_a.display_name} wrote:\n> {SECRET}")
    client.force_login(people.lead_a)
    client.post(reverse("board:reply", args=[board.approved.pk]), {"body": f"{quote}\r\n\r\nPlease don't."})
    quoting = Post.objects.get(thread=board.approved, author=people.lead_a, body__contains="Please don't")
    assert SECRET not in quoting.body and SECRET not in quoting.body_html, "the quote is a reference, not a copy"

    reader = member_of(board.approved.forum.sector)
    page = _thread_page(client, reader, board.approved)
    assert page.count(SECRET) == 2, "the post itself and the quote of it"
    assert f"{people.member_a.display_name} wrote</a>:" in page

    _hide(client, people, quoted, hidden=True)
    page = _thread_page(client, reader, board.approved)
    assert SECRET not in page
    assert "[hidden by a moderator]" in page and "Please don't." in page

    _hide(client, people, quoted, hidden=False)
    assert _thread_page(client, reader, board.approved).count(SECRET) == 2


def test_a_quote_shows_the_quoted_post_as_edited(client, people, board, quoted):
    services.reply(board.approved, author=people.lead_a, body=f"> [quote={quoted.pk}]")
    services.edit_post(quoted, by=people.member_a, body="Call the police liaison team instead")
    page = _thread_page(client, people.lead_a, board.approved)
    assert SECRET not in page and page.count("Call the police liaison team instead") == 2


def test_a_quote_of_another_threads_post_shows_nothing_of_it(client, people, board, forums):
    secret_thread = services.start_thread(forums.b, author=people.member_b, title="Banking only",
                                          body="Vault codes change on Friday")
    secret_post = secret_thread.posts.get()
    services.reply(board.approved, author=people.member_a, body=f"> [quote={secret_post.pk}]")
    page = _thread_page(client, people.member_a, board.approved)
    assert "Vault codes" not in page and "[quoted post not available]" in page


def test_text_that_only_partly_matches_a_post_stays_as_typed(people, board, quoted):
    post = services.reply(board.approved, author=people.lead_a, body="> Call me\n\nWhich number?")
    assert post.body == "> Call me\n\nWhich number?"


def test_quotes_cost_one_query_per_page(client, people, board, quoted, django_assert_max_num_queries):
    for n in range(30):
        services.reply(board.approved, author=people.lead_a, body=f"> [quote={quoted.pk}]\n\nReply {n}")
    client.force_login(people.lead_a)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        page = client.get(board.approved.get_absolute_url() + "?page=last").content.decode()
    assert SECRET in page
