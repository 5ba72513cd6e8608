"""Random content and random readers: for each reader, every result opens for them (the page itself, fetched as
them, answers 200), nothing unapproved, hidden or unpublished is ever listed, and everything published they can
open that says the word is found."""

import random

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from messaging.board import services as board
from messaging.board.models import Forum, Post, Thread
from messaging.bulletins import services as bulletins
from messaging.bulletins.models import Bulletin, Incident
from sectors.models import Borough, Sector
from tests.factories import BulletinFactory, MembershipFactory, OrganisationFactory, UserFactory, member_of, with_mfa
from tests.search.conftest import search_page

pytestmark = pytest.mark.django_db

WORD = "quokka"


def _world(rng: random.Random, capture, admin):
    sectors = list(Sector.objects.order_by("pk")[:3])
    boroughs = list(Borough.objects.order_by("pk")[:3])
    forums = [Forum.objects.hub(), *(Forum.objects.get(sector=sector) for sector in sectors)]
    officer = UserFactory(verified=True, display_name="Officer")
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    with_mfa(officer)
    readers = [officer]
    for n in range(6):
        organisation = OrganisationFactory(boroughs=rng.sample(boroughs, rng.randint(0, 2)))
        readers.append(member_of(*rng.sample(sectors, rng.randint(1, 2)), organisation=organisation,
                                 display_name=f"Member {n}"))
    suspended = member_of(sectors[0], display_name="Suspended")
    suspended.memberships.update(status="suspended")
    applicant = UserFactory(verified=True)
    MembershipFactory(user=applicant, sector=sectors[1], status="applied")
    moderator = member_of(sectors[0], display_name="Moderator")
    roles.make_moderator(moderator, forums[1])
    with_mfa(moderator)
    readers.append(moderator)
    authors = readers[1:7]

    for n in range(14):
        forum = rng.choice(forums)
        author = rng.choice([officer, *authors])
        text = f"{WORD} thread {n}" if rng.random() < 0.8 else f"plain thread {n}"
        thread = board.start_thread(forum, author=author, title=text, body=f"Opening {n} " + rng.choice([WORD, "x"]))
        fate = rng.choice(["approve", "approve", "reject", "leave"])
        if not thread.is_approved and fate == "approve":
            board.approve_thread(thread, by=admin)
        elif not thread.is_approved and fate == "reject":
            board.reject_thread(thread, by=admin, reason="No")
        thread.refresh_from_db()
        for k in range(rng.randint(0, 3)):
            post = Post.objects.create(thread=thread, author=rng.choice(authors), body=f"reply {k} {WORD} {n}")
            if rng.random() < 0.3:
                post.hidden = True
                post.save(update_fields=["hidden"])
    for n in range(8):
        audience = {"sectors": rng.sample(sectors, rng.randint(0, 2)),
                    "boroughs": rng.sample(boroughs, rng.randint(0, 1))}
        bulletin = BulletinFactory(title=f"{WORD} bulletin {n}", author=officer, everyone=rng.random() < 0.2,
                                   **audience)
        if rng.random() < 0.3:
            bulletin.named_recipients.set(rng.sample(readers[1:7], 2))
        if rng.random() < 0.7:
            with capture(execute=True):
                bulletins.publish_bulletin(bulletin, by=officer)
    for n in range(4):
        bulletins.open_incident(title=f"{WORD} incident {n}", sectors=rng.sample(sectors, rng.randint(0, 2)),
                                boroughs=rng.sample(boroughs, rng.randint(0, 1)), by=officer)
    return readers, [applicant, suspended]


def _published_items():
    """(url, is publishable) for everything that says the word: approved threads, visible replies of approved
    threads (the opening post is the thread), published bulletins, incidents."""
    items = {}
    for thread in Thread.objects.all():
        items[thread.get_absolute_url()] = thread.is_approved and (
            WORD in thread.title or WORD in thread.posts.order_by("created_at", "id").first().body)
    for post in Post.objects.select_related("thread"):
        if post.pk != post.thread.posts.order_by("created_at", "id").first().pk:
            items[post.get_absolute_url()] = post.thread.is_approved and not post.hidden and WORD in post.body
    for bulletin in Bulletin.objects.all():
        items[bulletin.get_absolute_url()] = bulletin.published_at is not None
    for incident in Incident.objects.all():
        items[incident.get_absolute_url()] = True
    return items


def _opens(client, url: str) -> bool:
    return client.get(url, follow=True).status_code == 200


def _all_results(client, user) -> list[str]:
    urls, page = [], 1
    while True:
        response = search_page(client, user, q=WORD, page=page)
        assert response.status_code == 200
        urls += [result.url for result in response.context.get("results") or []]
        page_obj = response.context.get("page_obj")
        if not page_obj or not page_obj.has_next():
            return urls
        page += 1


@pytest.mark.parametrize("seed", [1])
def test_results_are_exactly_what_each_reader_may_open(client, people, seed, django_capture_on_commit_callbacks):
    readers, outsiders = _world(random.Random(seed), django_capture_on_commit_callbacks, people.admin)
    items = _published_items()
    publishable = {url for url, ok in items.items() if ok}
    sizes = []
    for reader in [*readers, people.admin]:
        found = _all_results(client, reader)
        assert len(found) == len(set(found)), "listed twice"
        # Each page opened once per reader: what they may open, asked of the pages themselves.
        expected = {url for url in publishable if _opens(client, url)}
        for url in found:
            assert items.get(url), f"{url} is not published or does not say the word"
            assert url in expected, f"{reader} found {url} but may not open it"
        assert set(found) == expected, reader
        sizes.append(len(found))
    # The world is not trivial: the superuser finds everything published, some reader far less.
    assert sizes[-1] == len(publishable) and min(sizes) < len(publishable) and len(set(sizes)) > 2
    assert set(items) - publishable  # and there were hidden, unapproved or unpublished items to leave out
    for outsider in outsiders:  # an applicant, a suspended member: nothing to read, nothing to search
        assert search_page(client, outsider, q=WORD).status_code == 403
