"""The read rule's face for notifications (board.permissions.readers_condition: who reads a forum, as a filter on
users) agrees with the rule for one person (can_read) for every role and every forum."""

import pytest
from django.contrib.auth import get_user_model

from accounts import roles
from messaging.board import permissions
from messaging.board.models import Forum
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db


def test_the_readers_of_each_forum_are_exactly_those_who_can_read_it(people, forums, moderator, sector_b):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    # A moderator of forum B through a group's permission, not their own.
    through_group = get_user_model().objects.get(pk=people.lead_a.pk)
    group = Group.objects.create(name="Banking moderators")
    assign_perm("board.moderate_forum", group, forums.b)
    through_group.groups.add(group)
    everyone = [getattr(people, role) for role in ROLES if getattr(people, role) is not None]
    for forum in Forum.objects.all():
        readers = set(get_user_model().objects.filter(permissions.readers_condition(forum))
                      .values_list("pk", flat=True))
        for person in everyone:
            person = get_user_model().objects.get(pk=person.pk)  # nothing cached on the object
            roles.forget_cached_roles(person)
            assert (person.pk in readers) == permissions.can_read(person, forum), (person, forum)


def test_an_inactive_account_reads_nothing(people, forums):
    type(people.member_a).objects.filter(pk=people.member_a.pk).update(is_active=False)
    readers = get_user_model().objects.filter(permissions.readers_condition(forums.a))
    assert not readers.filter(pk=people.member_a.pk).exists()
