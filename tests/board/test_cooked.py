"""Posts are stored with their sanitised HTML ("cooked") when they are written; pages output the stored HTML and
never render Markdown; `manage.py recook` renders again what an older pipeline made."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Template, TemplateSyntaxError
from django.urls import reverse

from common.text import PIPELINE_VERSION, render_markdown
from messaging.board import services
from messaging.board.models import Post, PostRevision, ProposedEdit
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


def _page(client, user, post) -> str:
    client.force_login(user)
    return client.get(post.get_absolute_url(), follow=True).content.decode()


def _cooked(text: str) -> str:
    return str(render_markdown(text))


def test_a_new_thread_and_a_reply_store_their_html_and_the_page_shows_the_stored_copy(client, people, board):
    for post in (board.first_post, board.reply):
        post.refresh_from_db()
        assert (post.body_html, post.body_html_version) == (_cooked(post.body), PIPELINE_VERSION)
    assert "<strong>distraction</strong>" in board.first_post.body_html

    # The page outputs what is stored, not a rendering of the body: change the stored copy and the page follows.
    Post.objects.filter(pk=board.reply.pk).update(body_html="<p>the <em>stored</em> copy</p>")
    page = _page(client, people.member_a, board.reply)
    assert "<p>the <em>stored</em> copy</p>" in page
    assert "Same here on Tuesday.</p>" not in page


def test_editing_a_post_rewrites_its_stored_html_and_keeps_the_old_html_in_its_history(client, people, board):
    client.force_login(people.lead_a)
    client.post(reverse("board:post_edit", args=[board.reply.pk]), {"body": "Same here on **Wednesday**."})

    board.reply.refresh_from_db()
    assert board.reply.body_html == _cooked("Same here on **Wednesday**.")
    assert board.reply.body_html_version == PIPELINE_VERSION
    revision = PostRevision.objects.get(post=board.reply)
    assert (revision.body_html, revision.body_html_version) == (_cooked("Same here on Tuesday."), PIPELINE_VERSION)
    assert "Same here on <strong>Wednesday</strong>." in _page(client, people.member_a, board.reply)
    client.force_login(people.moderator_a)
    history_url = reverse("board:post_history", args=[board.reply.pk])
    assert f'href="{history_url}">history</a>' in _page(client, people.moderator_a, board.reply)
    assert revision.body_html in client.get(history_url).content.decode()


def test_a_held_edit_is_stored_cooked_and_its_approval_rewrites_the_posts_html(
        client, people, board, django_capture_on_commit_callbacks):
    client.force_login(people.member_a)
    client.post(reverse("board:post_edit", args=[board.first_post.pk]),
                {"title": "Thefts on the high street", "body": "Three *distraction* thefts this week."})

    proposal = ProposedEdit.objects.get()
    assert (proposal.body_html, proposal.body_html_version) == (
        _cooked("Three *distraction* thefts this week."), PIPELINE_VERSION)
    # Readers keep the approved HTML; the moderators' queue shows both, from the stored copies.
    assert "Two <strong>distraction</strong> thefts" in _page(client, people.lead_a, board.first_post)
    client.force_login(people.moderator_a)
    queue = client.get(reverse("board:queue")).content.decode()
    assert "Three <em>distraction</em> thefts" in queue and "Two <strong>distraction</strong> thefts" in queue

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_edit(proposal, by=people.moderator_a)
    board.first_post.refresh_from_db()
    assert board.first_post.body_html == _cooked("Three *distraction* thefts this week.")
    page = _page(client, people.lead_a, board.first_post)
    assert "Three <em>distraction</em> thefts" in page and "Two <strong>distraction</strong>" not in page


def test_recook_renders_outdated_rows_only_and_the_page_changes(client, people, board):
    # An older pipeline made the reply's HTML; the opening post's is current (whatever it says).
    Post.objects.filter(pk=board.reply.pk).update(body_html="<p>old pipeline</p>", body_html_version=0)
    Post.objects.filter(pk=board.first_post.pk).update(body_html="<p>current, left alone</p>")
    assert "<p>old pipeline</p>" in _page(client, people.member_a, board.reply)

    call_command("recook", stdout=open("/dev/null", "w"))  # noqa: SIM115

    board.reply.refresh_from_db()
    board.first_post.refresh_from_db()
    assert (board.reply.body_html, board.reply.body_html_version) == (_cooked(board.reply.body), PIPELINE_VERSION)
    assert board.first_post.body_html == "<p>current, left alone</p>"
    page = _page(client, people.member_a, board.reply)
    assert "<p>Same here on Tuesday.</p>" in page and "old pipeline" not in page


def test_recook_all_renders_current_rows_too(people, board):
    Post.objects.filter(pk=board.first_post.pk).update(body_html="<p>current, but wrong</p>")
    call_command("recook", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115
    board.first_post.refresh_from_db()
    assert board.first_post.body_html == _cooked(board.first_post.body)


@pytest.mark.parametrize("payload", CORPUS)
def test_stored_html_is_sanitised_when_the_post_is_written(people, forums, payload):
    thread = services.start_thread(forums.a, author=people.member_a, title="Corpus", body=payload)
    post = thread.posts.get()
    assert executable_markup(post.body_html, allowed_tags=frozenset()) == []


def test_the_admin_cannot_edit_stored_html():
    for model in (Post, PostRevision, ProposedEdit):
        for name in ("body_html", "body_html_version"):
            assert not model._meta.get_field(name).editable


# Templates never render Markdown ----------------------------------------------------------------------------

MARKDOWN_FILTER = re.compile(r"\|\s*markdown\b")


def _templates() -> list[Path]:
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    return [path for folder in folders for path in folder.rglob("*") if path.suffix in {".html", ".txt"}]


def test_no_template_renders_markdown():
    templates = _templates()
    assert len(templates) > 50  # the project's templates/ folder, not an empty list
    offenders = [str(path) for path in templates if MARKDOWN_FILTER.search(path.read_text())]
    assert offenders == []


def test_the_markdown_filter_is_gone():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load hub_text %}{{ text|markdown }}")
