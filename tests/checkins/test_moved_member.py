"""A check-in asks organisations through the members it reached while they were with them: a member who moves to
another organisation afterwards does not take the question along. Their new organisation is not asked (not in the
grid's count, the leads' chase lists or the reminder) and they cannot answer for it, from the page or from the
e-mail's link; the organisation they left is still asked through the colleagues who stay."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from messaging.bulletins import services as bulletin_services
from messaging.bulletins.models import Delivery
from messaging.checkins import links, selectors
from messaging.checkins.models import Answer
from messaging.checkins.tasks import reminder_recipients
from sectors import services as sector_services
from tests.checkins.asking import ask_incident, choice, once_token
from tests.factories import BulletinFactory, OrganisationFactory, member_of

pytestmark = pytest.mark.django_db

NOT_ASKED = "This check-in did not ask your organisation, or you cannot answer for it."


@pytest.fixture
def moved(officer, sector_a):
    """Ann and Bob of Acme were asked; then Bob left Acme and registered Bob Ltd."""
    acme = OrganisationFactory(name="Acme")
    ann = member_of(sector_a, organisation=acme, display_name="Ann Acme")
    bob = member_of(sector_a, organisation=acme, display_name="Bob Acme")
    check_in = ask_incident(officer, [sector_a])
    link = links.answer_url(check_in, bob.pk, choice(check_in, "Not affected").pk).split("/checkins", 1)[1]
    sector_services.remove_person(acme, person=bob, by=officer)
    bob.refresh_from_db()
    sector_services.name_organisation(bob, organisation_name="Bob Ltd")
    bob.refresh_from_db()
    assert bob.organisation.name == "Bob Ltd"
    return {"check_in": check_in, "acme": acme, "ann": ann, "bob": bob, "link": link}


def test_the_organisation_a_member_moved_to_is_not_asked(moved, sector_a):
    check_in = moved["check_in"]
    assert [organisation.name for organisation in selectors.asked_organisations(check_in)] == ["Acme"]
    assert [organisation.name for organisation in selectors.not_answered(check_in, [sector_a.pk])] == ["Acme"]
    assert selectors.tally(check_in)["asked"] == 1
    grid = selectors.grid_for(check_in)
    assert (grid.asked, [(row.name, row.asked) for row in grid.rows]) == (1, [(sector_a.name, 1)])
    assert list(reminder_recipients(check_in)) == [moved["ann"]]


def test_a_member_who_moved_cannot_answer_for_their_new_organisation(client, moved):
    check_in = moved["check_in"]
    client.force_login(moved["bob"])
    assert client.get(check_in.get_absolute_url()).status_code == 200  # the question reached them: they see it
    response = client.post(reverse("checkins:answer", args=[check_in.pk]),
                           {"choice": choice(check_in, "Not affected").pk})
    assert response.status_code == 403 and NOT_ASKED in response.content.decode()
    client.logout()
    assert client.get("/checkins" + moved["link"]).status_code == 403  # nor from the e-mail sent to them at Acme
    assert Answer.objects.count() == 0


def test_the_organisation_they_left_still_answers_through_those_who_stay(client, moved):
    check_in = moved["check_in"]
    client.force_login(moved["ann"])
    response = client.post(reverse("checkins:answer", args=[check_in.pk]),
                           {"choice": choice(check_in, "Not affected").pk,
                            "once_token": once_token(client.get(check_in.get_absolute_url()))})
    assert response.status_code == 302
    assert Answer.objects.get().organisation == moved["acme"]


def test_check_ins_opened_before_deliveries_kept_an_organisation_ask_the_ones_their_members_are_with(officer,
                                                                                                       sector_a):
    """checkins.0004: the deliveries of check-ins already open take each recipient's organisation as it is now."""
    fill = importlib.import_module("messaging.checkins.migrations.0004_carriers_delivery_organisation")
    acme = member_of(sector_a, organisation=OrganisationFactory(name="Acme"))
    check_in = ask_incident(officer, [sector_a])
    plain = publish_plain(officer, sector_a)  # a bulletin that carries no question is left as it was
    Delivery.objects.update(organisation=None)  # as every delivery was before the column
    assert selectors.asked_organisations(check_in).count() == 0
    fill.fill_carriers_deliveries(django_apps, None)
    assert [organisation.name for organisation in selectors.asked_organisations(check_in)] == ["Acme"]
    assert Delivery.objects.get(bulletin=check_in.carrier, user=acme).organisation == acme.organisation
    assert not Delivery.objects.filter(bulletin=plain, organisation__isnull=False).exists()


def publish_plain(officer, sector):
    bulletin = BulletinFactory(author=officer, sectors=[sector])
    bulletin_services.publish_bulletin(bulletin, by=officer)
    return bulletin
