"""Role badges for permissions held through a group (guardian's group object permissions), and permissions on
other objects: the thread page's one query for all its authors reads them as the per-person rules do."""

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from accounts import roles
from messaging.board import permissions, selectors, services
from sectors.permissions import led_sector_ids
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def test_moderating_and_leading_through_a_group_earn_the_badges_the_rules_grant(forums, sector_a, sector_b):
    moderators_of_a, leads_of_b = Group.objects.create(name="A's moderators"), Group.objects.create(name="B leads")
    assign_perm("board.moderate_forum", moderators_of_a, forums.a)
    assign_perm("sectors.manage_membership", leads_of_b, sector_b)
    group_moderator, group_lead, elsewhere, plain = (member_of(sector_a) for _ in range(4))
    group_moderator.groups.add(moderators_of_a)
    group_lead.groups.add(leads_of_b)
    roles.make_moderator(elsewhere, forums.b)  # a moderator, of another forum

    people = [group_moderator, group_lead, elsewhere, plain]
    in_a = selectors.author_badges(forums.a, people)
    assert [badge.kind for badge in in_a[group_moderator.pk]] == ["moderator"]
    assert [(badge.kind, badge.label) for badge in in_a[group_lead.pk]] == [("lead", f"Sector lead: {sector_b.name}")]
    assert elsewhere.pk not in in_a and plain.pk not in in_a
    assert [badge.kind for badge in selectors.author_badges(forums.b, people)[elsewhere.pk]] == ["moderator"]

    # The per-person rules say the same.
    assert permissions.can_moderate(group_moderator, forums.a) and not permissions.can_moderate(elsewhere, forums.a)
    assert led_sector_ids(group_lead) == {sector_b.pk}


def test_an_author_in_no_group_and_with_no_permission_has_no_badge(forums, sector_a):
    author = member_of(sector_a)
    thread = services.start_thread(forums.a, author=author, title="Hello", body="Hi")
    assert selectors.author_badges(forums.a, [thread.author]) == {}
