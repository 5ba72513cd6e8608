"""Feed tokens: made on the first visit, replaced on request (the old URLs answer 404 at once), and useless for
anyone else: forged keys, deactivated users. A user who may read nothing gets a valid, empty feed."""

import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.urls import reverse

from audit.models import AuditEntry
from messaging.feeds import services
from messaging.feeds.models import FeedToken
from sectors.models import Membership
from tests.factories import UserFactory
from tests.feeds.conftest import bulletins_url, events_url, vevents

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_settings_page_makes_the_token_once_and_shows_both_private_urls(client, people):
    client.force_login(people.member_a)
    first = client.get(reverse("feeds:index"))
    second = client.get(reverse("feeds:index"))

    token = FeedToken.objects.get(user=people.member_a)
    assert len(token.key) >= 43 and token.key.replace("-", "").replace("_", "").isalnum()  # 32 random bytes
    for response in (first, second):
        page = response.content.decode()
        assert f"https://hub.example.org/feeds/{token.key}/events.ics" in page
        assert f"https://hub.example.org/feeds/{token.key}/bulletins.atom" in page
        assert "These addresses are private." in page
    assert AuditEntry.objects.filter(action="feeds.token_create", actor=people.member_a).count() == 1


def test_regenerating_replaces_the_key_and_the_old_urls_answer_404_at_once(client, people):
    old_events, old_bulletins = events_url(people.member_a), bulletins_url(people.member_a)
    old_key = FeedToken.objects.get(user=people.member_a).key
    client.force_login(people.member_a)

    response = client.post(reverse("feeds:regenerate"))

    assert response.status_code == 302 and response["Location"] == reverse("feeds:index")
    new_key = FeedToken.objects.get(user=people.member_a).key
    assert new_key != old_key
    client.logout()  # a calendar app has no session
    assert client.get(old_events).status_code == 404
    assert client.get(old_bulletins).status_code == 404
    assert client.get(events_url(people.member_a)).status_code == 200
    assert client.get(bulletins_url(people.member_a)).status_code == 200
    entry = AuditEntry.objects.get(action="feeds.token_regenerate")
    assert entry.actor == people.member_a
    assert old_key not in str(entry.data) + entry.target_repr and new_key not in str(entry.data) + entry.target_repr


def test_regenerating_is_a_post(client, people):
    client.force_login(people.member_a)
    assert client.get(reverse("feeds:regenerate")).status_code == 405


@pytest.mark.parametrize("key", ["forged", "A" * 43, "x" * 64])
def test_a_forged_token_answers_404(client, people, key):
    services.token_for(people.member_a)
    assert client.get(reverse("feeds:events", args=[key])).status_code == 404
    assert client.get(reverse("feeds:bulletins", args=[key])).status_code == 404


def test_the_token_of_a_deactivated_user_answers_404(client, people, publish, sector_a):
    publish(sectors=[sector_a])
    urls = events_url(people.member_a), bulletins_url(people.member_a)
    people.member_a.is_active = False
    people.member_a.save(update_fields=["is_active"])
    for url in urls:
        assert client.get(url).status_code == 404


def test_a_user_with_no_memberships_gets_a_valid_empty_feed(client, publish):
    publish(everyone=True)
    nobody = UserFactory(verified=True)
    calendar = icalendar.Calendar.from_ical(client.get(events_url(nobody)).content)
    assert vevents(calendar) == [] and calendar.walk("VTIMEZONE")
    feed = ET.fromstring(client.get(bulletins_url(nobody)).content)
    assert feed.tag == f"{ATOM}feed" and feed.findall(f"{ATOM}entry") == []


def test_a_suspended_member_keeps_the_token_but_the_feeds_go_empty(client, people, publish, sector_a):
    publish(sectors=[sector_a])
    urls = events_url(people.member_a), bulletins_url(people.member_a)
    Membership.objects.filter(user=people.member_a).update(status=Membership.Status.SUSPENDED)

    calendar = icalendar.Calendar.from_ical(client.get(urls[0]).content)
    assert vevents(calendar) == []
    assert ET.fromstring(client.get(urls[1]).content).findall(f"{ATOM}entry") == []


def test_the_feeds_ignore_whoever_is_signed_in(client, people, publish, sector_a):
    """The token says whose feed it is: member B signed in on the same browser reads member A's feed, not B's."""
    bulletin = publish(sectors=[sector_a])
    client.force_login(people.member_b)
    assert bulletin.get_absolute_url().encode() in client.get(events_url(people.member_a)).content
