"""The audience rule's two faces always agree, and agree with what a real publish does.

On random people (active or not, officers or not, with or without an organisation with premises in random
boroughs, with memberships of random sectors in random states) and a random bulletin and incident, for every
person:

- the query face (among ``recipients``) == the in-memory face (``reach_of(user).is_addressed_by(audience)``)
  == a Delivery row exists after ``services.publish_bulletin`` ran;
- ``reach.receives(audience)`` (what a live socket lets through) == the bulletin is among the user's
  ``visible_bulletins`` (what replay and the pages show): officers see it whether addressed or not;
- the same for an incident: ``reach.receives(Audience.of_incident(...))`` == among ``visible_incidents``;
- the audience survives the trip through the channel layer's message.

Three sectors and three boroughs only, so that overlaps (and near misses) are frequent.
"""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import roles
from accounts.models import User
from messaging.bulletins import services
from messaging.bulletins.audience import (
    NOBODY,
    Audience,
    Reach,
    reach_of,
    recipients,
    visible_bulletins,
    visible_incidents,
)
from messaging.bulletins.models import Delivery
from sectors.models import Borough, Membership, Sector
from tests.factories import BulletinFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PLACES = 3
place = st.integers(min_value=0, max_value=PLACES - 1)
person = st.fixed_dictionaries({
    "active": st.booleans(),
    "officer": st.sampled_from([False, False, False, True]),
    "premises": st.none() | st.frozensets(place),  # None: no organisation at all
    "memberships": st.dictionaries(place, st.sampled_from(Membership.Status.values)),
})
audience_choice = st.fixed_dictionaries({
    "everyone": st.booleans(), "sectors": st.frozensets(place), "boroughs": st.frozensets(place),
})


@pytest.fixture
def places(db):
    return list(Sector.objects.order_by("pk")[:PLACES]), list(Borough.objects.order_by("pk")[:PLACES])


def make_person(spec: dict, sectors: list, boroughs: list, officers: Group) -> User:
    organisation = None
    if spec["premises"] is not None:
        organisation = OrganisationFactory(boroughs=[boroughs[i] for i in spec["premises"]])
    user = UserFactory(is_active=spec["active"], organisation=organisation)
    for index, status in spec["memberships"].items():
        MembershipFactory(user=user, sector=sectors[index], status=status)
    if spec["officer"]:
        user.groups.add(officers)
    return user


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, min_size=1, max_size=6), chosen=audience_choice, incident_choice=audience_choice,
       named=st.sets(st.integers(min_value=0, max_value=5), max_size=3))
def test_the_query_face_the_in_memory_face_and_the_deliveries_agree(places, officer, people, chosen,
                                                                    incident_choice, named):
    sectors, boroughs = places
    officers = Group.objects.get(name=roles.OFFICERS)
    with transaction.atomic():
        users = [make_person(spec, sectors, boroughs, officers) for spec in people]
        bulletin = BulletinFactory(
            author=officer, everyone=chosen["everyone"],
            sectors=[sectors[i] for i in chosen["sectors"]], boroughs=[boroughs[i] for i in chosen["boroughs"]],
        )
        # People named besides the sectors (a bridge call's invitees): only approved members among them count.
        bulletin.named_recipients.set([users[i] for i in named if i < len(users)])
        incident = services.open_incident(
            title="Incident", sectors=[sectors[i] for i in incident_choice["sectors"]],
            boroughs=[boroughs[i] for i in incident_choice["boroughs"]], by=officer,
        )
        audience = Audience.of(bulletin)
        incident_audience = Audience.of_incident(incident)
        assert Audience.from_message(audience.as_message()) == audience
        addressed = set(recipients(audience).values_list("pk", flat=True))
        services.publish_bulletin(bulletin, by=officer)
        delivered = set(Delivery.objects.filter(bulletin=bulletin).values_list("user_id", flat=True))

        for spec, user in zip(people, users, strict=True):
            user = User.objects.get(pk=user.pk)  # as a new request or socket would load it: nothing cached
            reach = reach_of(user)
            in_query = user.pk in addressed
            assert in_query == reach.is_addressed_by(audience) == (user.pk in delivered), spec
            may_see = visible_bulletins(user).filter(pk=bulletin.pk).exists()
            assert reach.receives(audience) == may_see, spec
            assert reach.receives(incident_audience) == visible_incidents(user).filter(pk=incident.pk).exists(), spec
            if spec["officer"] and spec["active"]:
                assert may_see
        transaction.set_rollback(True)


def test_a_reach_without_sectors_is_addressed_by_nothing():
    everyone = Audience(everyone=True, sector_ids=frozenset(), borough_ids=frozenset())
    assert not NOBODY.receives(everyone)
    assert not Reach(is_officer=False, sector_ids=frozenset(), borough_ids=frozenset({1})).receives(everyone)
    assert Reach(is_officer=True, sector_ids=frozenset(), borough_ids=frozenset()).receives(everyone)


def test_a_borough_narrows_the_audience_and_never_widens_it():
    in_retail_camden = Reach(is_officer=False, sector_ids=frozenset({1}), borough_ids=frozenset({7}))
    assert in_retail_camden.receives(Audience.chosen(everyone=False, sectors=[1], boroughs=[7, 8]))
    assert not in_retail_camden.receives(Audience.chosen(everyone=False, sectors=[1], boroughs=[8]))
    assert not in_retail_camden.receives(Audience.chosen(everyone=False, sectors=[2], boroughs=[7]))
    assert in_retail_camden.receives(Audience.chosen(everyone=True, boroughs=[7]))


def test_a_named_person_is_addressed_whatever_their_sectors_and_boroughs():
    member_elsewhere = Reach(is_officer=False, sector_ids=frozenset({3}), borough_ids=frozenset({9}), user_id=42)
    invitees_only = Audience.chosen(everyone=False, people=[42])
    assert member_elsewhere.receives(invitees_only)
    assert member_elsewhere.receives(Audience.chosen(everyone=False, sectors=[1], boroughs=[7], people=[42]))
    assert not member_elsewhere.receives(Audience.chosen(everyone=False, people=[43]))
    # Named, but a member of no sector (suspended everywhere): not addressed, as recipients() would not be.
    assert not Reach(is_officer=False, sector_ids=frozenset(), borough_ids=frozenset(), user_id=42).receives(
        invitees_only)
