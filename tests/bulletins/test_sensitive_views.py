"""OFFICIAL-SENSITIVE on the portal: the marking as a banner at the top and bottom of the page (printed too), the
reader's name and organisation as a watermark, and every opening logged and listed for officers."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, SensitiveView
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db

BANNER = 'class="marking-banner'
WATERMARK = 'class="sensitive-watermark"'


@pytest.fixture
def reader(sector_a):
    return member_of(sector_a, organisation=OrganisationFactory(name="Harrods Security"), display_name="Sam Reader")


@pytest.fixture
def sensitive(publish, sector_a, reader):
    return publish(title="Threat to named premises", marking=Bulletin.Marking.OFFICIAL_SENSITIVE,
                   sectors=[sector_a])


@pytest.fixture
def official(publish, sector_a, reader):
    return publish(title="Road closures", sectors=[sector_a])


def banners(page: str) -> list[str]:
    return re.findall(r'<div class="marking-banner marking-banner-(top|bottom)"[^>]*>OFFICIAL-SENSITIVE</div>', page)


def test_a_sensitive_page_has_the_marking_at_top_and_bottom_and_the_readers_watermark(client, reader, sensitive):
    client.force_login(reader)
    page = client.get(sensitive.get_absolute_url()).content.decode()
    assert banners(page) == ["top", "bottom"]
    assert page.index("marking-banner-top") < page.index('<h1 class="h3">') < page.index("marking-banner-bottom")
    watermark = re.search(r'<div class="sensitive-watermark" aria-hidden="true"[^>]*>(.*?)</div>', page, re.S)
    assert watermark is not None
    tiles = re.findall(r"<span>([^<]+)</span>", watermark.group(1))
    assert len(tiles) > 20 and len(set(tiles)) == 1
    assert tiles[0].startswith("Sam Reader · Harrods Security · ")
    assert ' style="' not in page  # the CSP forbids inline styles: the watermark is CSS classes and text


def test_an_official_page_has_neither(client, reader, official):
    client.force_login(reader)
    page = client.get(official.get_absolute_url()).content.decode()
    assert banners(page) == [] and BANNER not in page and WATERMARK not in page


def test_an_officer_without_an_organisation_is_watermarked_with_their_address(client, officer, sensitive):
    client.force_login(officer)
    page = client.get(sensitive.get_absolute_url()).content.decode()
    assert f"<span>{officer.display_name} · {officer.email} · " in page


def test_the_print_stylesheet_keeps_the_banners_and_watermark_and_drops_the_navigation():
    css = (Path(settings.BASE_DIR) / "static" / "hub.css").read_text()
    printed = css[css.index("@media print"):]
    assert ".navbar" in printed and "display: none" in printed
    assert ".marking-banner" in printed and ".sensitive-watermark" in printed
    assert "print-color-adjust: exact" in printed
    screen = css[:css.index("@media print")]
    assert ".sensitive-watermark" in screen and "opacity" in screen and "pointer-events: none" in screen


def test_every_opening_is_logged_once(client, reader, officer, sensitive, official):
    client.force_login(reader)
    client.get(sensitive.get_absolute_url())
    client.get(sensitive.get_absolute_url())
    client.get(official.get_absolute_url())
    client.get(sensitive.get_absolute_url(), {"fragment": "update"})  # the live timeline's insert: not a reading
    client.force_login(officer)
    client.get(sensitive.get_absolute_url())
    views = list(SensitiveView.objects.order_by("pk").values_list("bulletin", "user"))
    assert views == [(sensitive.pk, reader.pk), (sensitive.pk, reader.pk), (sensitive.pk, officer.pk)]


def test_someone_outside_the_audience_is_refused_and_not_logged(client, sensitive, sector_b):
    client.force_login(member_of(sector_b))
    assert client.get(sensitive.get_absolute_url()).status_code == 404
    assert not SensitiveView.objects.exists()


def test_the_officer_sees_who_opened_it_on_the_delivery_report(client, reader, officer, sensitive):
    client.force_login(reader)
    client.get(sensitive.get_absolute_url())
    client.force_login(officer)
    report = client.get(reverse("bulletins:report", args=[sensitive.pk])).content.decode()
    section = report[report.index('id="sensitive-views"'):]
    assert "Who opened it" in section
    assert "Sam Reader" in section and "Harrods Security" in section and reader.email in section


def test_the_report_of_an_official_bulletin_has_no_such_list(client, officer, official):
    client.force_login(officer)
    assert 'id="sensitive-views"' not in client.get(reverse("bulletins:report", args=[official.pk])).content.decode()


def test_the_list_of_openings_pages_with_a_bounded_number_of_queries(client, officer, sensitive, sector_a,
                                                                      django_assert_max_num_queries):
    readers = [member_of(sector_a, display_name=f"Reader {n:02d}") for n in range(60)]
    SensitiveView.objects.bulk_create(SensitiveView(bulletin=sensitive, user=user) for user in readers)
    client.force_login(officer)
    url = reverse("bulletins:report", args=[sensitive.pk])
    client.get(url)
    with django_assert_max_num_queries(25):
        first = client.get(url).content.decode()
    with django_assert_max_num_queries(25):
        second = client.get(url, {"views": 2}).content.decode()
    first_names = set(re.findall(r"Reader \d\d", first[first.index('id="sensitive-views"'):]))
    second_names = set(re.findall(r"Reader \d\d", second[second.index('id="sensitive-views"'):]))
    assert len(first_names) == 50 and len(second_names) == 10 and not first_names & second_names
    assert "Page 1 of 2" in first[first.index('id="sensitive-views"'):]


def test_the_incident_room_leads_to_a_sensitive_update_instead_of_showing_it(client, officer, reader, sector_a,
                                                                           committed):
    incident = services.open_incident(title="Suspect package", sectors=[sector_a], boroughs=[], by=officer)
    update = committed(services.post_incident_update, incident, title="Named premises", by=officer,
                       body="Zebra-7 is the target", severity="warning", marking=Bulletin.Marking.OFFICIAL_SENSITIVE)
    client.force_login(reader)
    room = client.get(incident.get_absolute_url()).content.decode()
    assert "Zebra-7" not in room
    assert update.get_absolute_url() in room
    live_fragment = client.get(update.get_absolute_url(), {"fragment": "update"}).content.decode()
    assert "Zebra-7" not in live_fragment
    assert not SensitiveView.objects.exists()  # nothing read yet: the page that shows it logs the reading
    assert "Zebra-7" in client.get(update.get_absolute_url()).content.decode()
    assert SensitiveView.objects.filter(bulletin=update, user=reader).count() == 1
