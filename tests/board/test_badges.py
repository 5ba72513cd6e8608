"""Verified role badges: drawn from roles (officers, the forum's moderators, sector leads), never from the name a
member typed; a thread page computes them for all its authors in a fixed number of queries."""

import re

import pytest
from django.urls import reverse

from accounts import roles
from messaging.board import permissions, selectors, services
from messaging.board.models import Forum
from sectors.permissions import led_sector_ids
from tests.conftest import ROLES
from tests.factories import member_of, officer_user, with_mfa

pytestmark = pytest.mark.django_db

BADGE = re.compile(r'class="badge role-badge role-(\w+)[^"]*"[^>]*>([^<]+)<')


def badges_of(page: str, post) -> list[tuple[str, str]]:
    """The (kind, label) badges in a post's header."""
    header = page.split(f'id="post-{post.pk}-author"', 1)[1].split("</div>", 1)[0]
    return BADGE.findall(header)


def test_posts_carry_the_badges_of_their_authors_roles_not_their_names(client, people, forums, sector_a):
    roles.make_moderator(people.moderator_a, forums.a)
    impostor = member_of(sector_a, display_name="Member A")
    type(impostor).objects.filter(pk=impostor.pk).update(display_name="PC Olivia Okafor (Met liaison)")
    thread = services.start_thread(forums.hub, author=people.officer, title="Summit", body="Agenda")
    lead = services.reply(thread, author=people.lead_a, body="Retail will attend.")
    moderator_in_hub = services.reply(thread, author=people.moderator_a, body="Noted.")
    fake = services.reply(thread, author=impostor, body="I am the police, call me.")
    admin = services.reply(thread, author=people.admin, body="Room booked.")
    client.force_login(people.member_a)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert badges_of(page, thread.posts.first()) == [("officer", "Police liaison officer")]
    assert badges_of(page, lead) == [("lead", "Sector lead: Retail")]
    assert badges_of(page, moderator_in_hub) == []  # moderates forum A, not the Hub forum
    assert badges_of(page, fake) == []
    assert badges_of(page, admin) == [("admin", "Administrator")]

    # In the forum they moderate, the moderator's posts say so.
    in_a = services.start_thread(forums.a, author=people.moderator_a, title="House rules", body="Be kind.")
    page = client.get(in_a.get_absolute_url()).content.decode()
    assert badges_of(page, in_a.posts.get()) == [("moderator", "Moderator")]


def test_a_bulletin_shows_its_officers_badge(client, people, sector_a, django_capture_on_commit_callbacks):
    from messaging.bulletins import services as bulletin_services
    from tests.factories import BulletinFactory

    bulletin = BulletinFactory(title="Road closed", author=people.officer, sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        bulletin_services.publish_bulletin(bulletin, by=people.officer)
    client.force_login(people.member_a)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert BADGE.findall(page) == [("officer", "Police liaison officer")]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_badges_for_many_authors_agree_with_each_persons_roles(people, forums, role):
    """The page's one bulk answer and the per-person rules in accounts.roles, the board and sectors agree."""
    roles.make_moderator(people.moderator_a, forums.a)
    user = getattr(people, role)
    everyone = [getattr(people, r) for r in ROLES if r != "anonymous"]
    for forum in Forum.objects.filter(pk__in=[forums.hub.pk, forums.a.pk, forums.b.pk]):
        kinds = {badge.kind for badge in selectors.author_badges(forum, everyone).get(user.pk, ())}
        fresh = type(user).objects.get(pk=user.pk)
        expected = set()
        if fresh.is_superuser:
            expected.add("admin")
        elif roles.is_officer(fresh):
            expected.add("officer")
        if not fresh.is_superuser and permissions.can_moderate(fresh, forum):
            expected.add("moderator")
        if not fresh.is_superuser and led_sector_ids(fresh):
            expected.add("lead")
        assert kinds == expected, (role, forum.name)


@pytest.mark.parametrize("authors", [1, 19])  # one page of posts
def test_a_thread_page_with_many_role_holders_costs_no_more_queries(client, people, forums, sector_a, authors,
                                                                   django_assert_max_num_queries):
    thread = services.start_thread(forums.hub, author=people.officer, title="Busy", body="x")
    for n in range(authors):
        author = member_of(sector_a, display_name=f"Author {n}")
        if n % 3 == 0:
            with_mfa(author)
            roles.make_sector_lead(author, sector_a)
        elif n % 3 == 1:
            with_mfa(author)
            roles.make_moderator(author, forums.hub)
        else:
            author = officer_user(display_name=f"Officer {n}")
        services.reply(thread, author=author, body=f"Post by {n}")
    client.force_login(people.member_a)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        page = client.get(thread.get_absolute_url()).content.decode()
    assert page.count("role-badge") == authors + 1  # and the officer who started it
