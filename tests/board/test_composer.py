"""The composer: the Markdown preview rendered by the server through the one pipeline, and the title counter."""

import pytest
from django.urls import reverse

from messaging.board.models import BODY_MAX_LENGTH, Thread
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


def _preview(client, user, body, **extra):
    client.force_login(user)
    return client.post(reverse("board:preview"), {"body": body}, **extra)


def test_the_preview_is_the_pipelines_html(client, people):
    response = _preview(client, people.member_a, "**Bold** and a [link](https://example.org)\n\n# Heading")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html and 'rel="nofollow noopener noreferrer"' in html and "<h3>" in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("text", CORPUS)
def test_the_xss_corpus_comes_back_sanitised(client, people, text):
    response = _preview(client, people.member_a, text)
    assert response.status_code == 200
    assert not executable_markup(response.content.decode(), allowed_tags=frozenset())


def test_too_long_and_empty_texts_are_said_in_words(client, people):
    assert "at most" in _preview(client, people.member_a, "x" * (BODY_MAX_LENGTH + 1)).content.decode()
    assert "Nothing to preview" in _preview(client, people.member_a, "  \n ").content.decode()


def test_the_preview_is_for_board_users_by_post_with_a_csrf_token(client, people):
    assert _preview(client, people.applicant, "hi").status_code == 403
    client.force_login(people.member_a)
    assert client.get(reverse("board:preview")).status_code == 405
    client.logout()
    assert client.post(reverse("board:preview"), {"body": "hi"}).status_code == 302  # to the login page
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.member_a)
    assert strict.post(reverse("board:preview"), {"body": "hi"}).status_code == 403


def test_previews_are_rate_limited_lightly(client, people, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "preview": "2/h"}
    for _ in range(2):
        assert _preview(client, people.member_a, "hi").status_code == 200
    response = _preview(client, people.member_a, "hi")
    assert response.status_code == 429 and "Please wait" in response.content.decode()


def test_the_forms_carry_the_composer(client, people, forums, board):
    client.force_login(people.member_a)
    for url in (reverse("board:thread_create", args=[forums.a.slug]),
                reverse("board:post_edit", args=[board.first_post.pk])):
        page = client.get(url).content.decode()
        assert f'data-preview-url="{reverse("board:preview")}"' in page and "data-composer-preview" in page
        assert "data-title-counter" in page and 'maxlength="200"' in page and "/static/composer.js" in page
    page = client.get(board.approved.get_absolute_url()).content.decode()
    assert "data-composer " in page and "data-composer-preview" in page and "/static/composer.js" in page


def test_an_over_long_title_is_refused_beside_the_field_not_cut(client, people, forums):
    client.force_login(people.member_a)
    title = "T" * 250
    response = client.post(reverse("board:thread_create", args=[forums.a.slug]), {"title": title, "body": "Hi"})
    assert response.status_code == 200
    assert "at most 200 characters (it has 250)" in response.content.decode()
    assert title in response.content.decode()  # kept for the author to shorten
    assert not Thread.objects.filter(title__startswith="TTT").exists()
