from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts import roles
from messaging.board import services as board
from messaging.board.models import Forum
from messaging.bulletins import services as bulletins
from tests.factories import BulletinFactory


def search_page(client, user, **params):
    """The search page as this user (logged in with their second factor), for these GET parameters."""
    client.force_login(user)
    return client.get(reverse("search:results"), params)


def results_part(response) -> str:
    """The search page's own part (the navigation around it belongs to other apps)."""
    page = response.content.decode()
    return page[page.index('<h1 class="h3">Search</h1>'):page.index("</main>")]


def found_urls(response) -> list[str]:
    return [result.url for result in response.context["results"]] if response.context.get("results") else []


@pytest.fixture
def forums_of(db, sector_a, sector_b) -> SimpleNamespace:
    return SimpleNamespace(hub=Forum.objects.hub(), a=Forum.objects.get(sector=sector_a),
                           b=Forum.objects.get(sector=sector_b))


@pytest.fixture
def scene(people, sector_a, sector_b, django_capture_on_commit_callbacks) -> SimpleNamespace:
    """Forum A (moderated by moderator A), forum B and the Hub forum, each with an approved thread about
    "lanterns", a reply about them, a hidden reply, a pending and a rejected thread; a published bulletin to
    sector A, a draft, an incident for sector B: all of them say "lanterns"."""
    hub, forum_a, forum_b = Forum.objects.hub(), Forum.objects.get(sector=sector_a), Forum.objects.get(sector=sector_b)
    roles.make_moderator(people.moderator_a, forum_a)
    made = {}
    for name, forum, author in [("a", forum_a, people.member_a), ("b", forum_b, people.member_b),
                                ("hub", hub, people.member_a)]:
        thread = board.start_thread(forum, author=people.officer, title=f"Lanterns in {forum.name}",
                                    body=f"Paper lanterns seen near the {name} entrance.")
        reply = board.reply(thread, author=author, body="More lanterns by the loading bay.")
        hidden = board.reply(thread, author=author, body="Secret lanterns with a phone number.")
        board.set_post_hidden(hidden, by=people.admin, hidden=True, reason="Personal data")
        pending = board.start_thread(forum, author=author, title="Pending lanterns", body="Lanterns waiting.")
        rejected = board.start_thread(forum, author=author, title="Rejected lanterns", body="Lanterns refused.")
        board.reject_thread(rejected, by=people.admin, reason="Duplicate")
        made[name] = SimpleNamespace(forum=forum, thread=thread, reply=reply, hidden=hidden, pending=pending,
                                     rejected=rejected)
    published = BulletinFactory(title="Lanterns advice", body="Report **lanterns** left unattended.",
                                author=people.officer, sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        bulletins.publish_bulletin(published, by=people.officer)
    draft = BulletinFactory(title="Draft about lanterns", author=people.officer, sectors=[sector_a])
    incident = bulletins.open_incident(title="Lanterns on the bridge", sectors=[sector_b], boroughs=[],
                                       by=people.officer)
    return SimpleNamespace(**made, published=published, draft=draft, incident=incident)
