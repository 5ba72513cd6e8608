"""The incident page: what it shows counts as read (one UPDATE), its forms have unique ids and named buttons, and
inbox rows and live payloads of incident updates name their incident."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery
from messaging.bulletins.payloads import bulletin_payload
from messaging.bulletins.selectors import officer_bulletins

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(officer, sector_a):
    return services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[], by=officer)


@pytest.fixture
def updates(officer, audience, incident, committed):
    return [committed(services.post_incident_update, incident, title=f"Update {n}", body="Avoid the area.",
                      severity="warning", by=officer) for n in range(3)]


def test_opening_the_incident_page_marks_the_updates_shown_as_read_in_one_update(
        client, audience, incident, updates):
    member = audience["retail_camden"]
    client.force_login(member)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(incident.get_absolute_url()).status_code == 200
    assert not Delivery.objects.filter(user=member, bulletin__in=updates, read_at__isnull=True).exists()
    writes = [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith("UPDATE")
              and "delivery" in query["sql"].lower()]
    assert len(writes) == 1
    # The officer's figures count it; another member who has not opened the page is still unread.
    other = audience["retail_westminster"]
    assert Delivery.objects.filter(user=other, read_at__isnull=True).count() == 3
    assert officer_bulletins().get(pk=updates[0].pk).read == 1


def test_the_incident_pages_forms_have_unique_ids_named_buttons_and_a_title(client, officer, incident, updates):
    client.force_login(officer)
    page = client.get(incident.get_absolute_url()).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert 'id="id_update-body"' in page and 'id="id_resolve-body"' in page
    assert ">Submit<" not in page and ">Publish update</button>" in page
    assert "<title>Power cut in Soho (active incident) · The Hub</title>" in page
    for name in ("bulletins:incident_update", "bulletins:incident_resolve"):
        shown = client.get(reverse(name, args=[incident.pk])).content.decode()  # the full incident page
        assert '<h1 class="h3 mb-0">Power cut in Soho</h1>' in shown and "Update 2" in shown


def test_inbox_rows_of_incident_updates_name_their_incident(client, audience, incident, updates,
                                                             django_assert_max_num_queries):
    client.force_login(audience["retail_camden"])
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        inbox = client.get(reverse("bulletins:inbox")).content.decode()
    assert inbox.count("Incident: Power cut in Soho") == 3


def test_a_live_payload_names_the_incident_when_its_caller_loaded_it(incident, updates, django_assert_num_queries):
    with_incident = Bulletin.objects.select_related("incident").get(pk=updates[0].pk)
    with django_assert_num_queries(0):
        assert bulletin_payload(with_incident)["incident_title"] == "Power cut in Soho"
    without = Bulletin.objects.get(pk=updates[0].pk)
    with django_assert_num_queries(0):  # never a query of its own
        assert "incident_title" not in bulletin_payload(without)
