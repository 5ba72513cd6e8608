"""CAP 1.2 per bulletin (messaging/bulletins/cap.py): parsed back by cap-tools' typed bindings and validated
against the OASIS schema by capvalidator (neither written here), Alert/Update/Cancel with their references,
the boroughs' ONS geocodes, and the partner systems' keys."""

import hashlib
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cap_tools import AlertState, Category, Certainty, MsgType, Scope, Severity, Status, Urgency
from cap_tools.models import Alert
from capvalidator import check_schema
from django.urls import reverse
from django.utils import timezone
from xsdata.formats.dataclass.parsers import XmlParser

from audit.models import AuditEntry
from messaging.bulletins import partners, services
from messaging.bulletins.models import Bulletin, PartnerToken
from sectors.models import Borough
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
CAP_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")


def parse(document: bytes) -> Alert:
    return XmlParser().from_bytes(document, Alert)


def cap_of(client, bulletin: Bulletin, **headers) -> bytes:
    response = client.get(reverse("bulletins:cap", args=[bulletin.pk]), headers=headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/cap+xml")
    assert "no-store" in response["Cache-Control"]
    return response.content


@pytest.fixture
def march(publish, sector_a, westminster, camden):
    return publish(
        title="March on Whitehall", body="Expect **road closures** & crowds.\n\n- Parliament Square\n- Whitehall",
        kind=Bulletin.Kind.PRE_PLANNING, severity=Bulletin.Severity.WARNING, sectors=[sector_a],
        boroughs=[westminster, camden], location="Trafalgar Square to Parliament Square", ack_requested=True,
        starts_at=timezone.now() + timedelta(days=3), ends_at=timezone.now() + timedelta(days=3, hours=4),
    )


def test_the_fields_parsed_back_by_cap_tools(client, officer, march, settings):
    settings.SITE_URL = "https://hub.example.org"
    client.force_login(officer)
    alert = parse(cap_of(client, march))

    assert alert.identifier == f"hub.example.org-bulletin-{march.pk}"
    assert alert.sender == "liaison@hub.example.org"
    assert alert.sent.to_datetime() == march.published_at.replace(microsecond=0)
    assert (alert.status, alert.msg_type, alert.scope) == (Status.ACTUAL, MsgType.ALERT, Scope.RESTRICTED)
    assert alert.restriction == "Cross-Sector Hub members only"
    assert alert.codes == ["OFFICIAL"]
    assert alert.references is None
    [info] = alert.infos
    assert info.language == "en-GB"
    assert info.categories == [Category.SAFETY]
    assert info.event == "Pre-planning notice"
    # warning: Expected/Severe/Likely, but the march is days ahead: Future.
    assert (info.urgency, info.severity, info.certainty) == (Urgency.FUTURE, Severity.SEVERE, Certainty.LIKELY)
    assert info.headline == "March on Whitehall"
    assert info.description.startswith("Expect road closures & crowds.\nParliament Square\nWhitehall")
    assert "Where: Trafalgar Square to Parliament Square" in info.description
    assert "When: " in info.description
    assert "acknowledge" in info.instruction
    assert info.web == f"https://hub.example.org/bulletins/{march.pk}/"
    assert info.effective.to_datetime() == march.published_at.replace(microsecond=0)
    assert info.onset.to_datetime() == march.starts_at.replace(microsecond=0)
    assert info.expires.to_datetime() == march.ends_at.replace(microsecond=0)
    [area] = info.areas
    assert area.area_desc == "Camden, Westminster"
    assert [(g.value_name.value, g.value.value) for g in area.geocodes] == [("ONS", "E09000007"),
                                                                          ("ONS", "E09000033")]


def test_dates_are_cap_datetimes_with_an_offset_and_no_fractions(client, officer, march):
    client.force_login(officer)
    document = cap_of(client, march).decode()
    for tag in ("sent", "effective", "onset", "expires"):
        value = re.search(f"<{tag}>([^<]+)</{tag}>", document).group(1)
        assert CAP_DATETIME.fullmatch(value), (tag, value)
    sent = re.search("<sent>([^<]+)</sent>", document).group(1)
    assert datetime.fromisoformat(sent).utcoffset() == timezone.localtime(march.published_at, LONDON).utcoffset()


@pytest.mark.parametrize(("severity", "kind", "expected"), [
    ("info", "advice", ("Future", "Minor", "Possible", "Safety")),
    ("advisory", "fraud_alert", ("Expected", "Moderate", "Likely", "Security")),
    ("warning", "incident_update", ("Expected", "Severe", "Likely", "Security")),
    ("critical", "incident_update", ("Immediate", "Extreme", "Observed", "Security")),
    ("critical", "pre_planning", ("Immediate", "Extreme", "Observed", "Safety")),  # no event ahead: as graded
])
def test_kinds_and_severities_map_as_documented(client, officer, publish, sector_a, severity, kind, expected):
    bulletin = publish(title="Graded", severity=severity, kind=kind, sectors=[sector_a])
    client.force_login(officer)
    info = parse(cap_of(client, bulletin)).infos[0]
    assert (info.urgency.value, info.severity.value, info.certainty.value, info.categories[0].value) == expected


def test_every_document_is_valid_against_the_oasis_schema(client, officer, march, publish, sector_a):
    """Alert, Update, Cancel, sensitive, no borough, and text XML could choke on."""
    client.force_login(officer)
    successor = services.create_draft(by=officer, supersedes=march, sectors=[sector_a], boroughs=[],
                                      **{**{f: getattr(march, f) for f in Bulletin.CONTENT_FIELDS},
                                         "title": "Update: <march> & \"more\""})
    services.publish_bulletin(successor, by=officer)
    odd = publish(title="Bell \x07 and form feed \x0c, ]]> & <tag>", body="Tab\tand \x1b escape", sectors=[sector_a])
    sensitive = publish(title="Secret", marking=Bulletin.Marking.OFFICIAL_SENSITIVE, sectors=[sector_a])
    withdrawn = publish(title="Taken back", sectors=[sector_a])
    services.withdraw_bulletin(withdrawn, by=officer, reason="Sent in error")
    for bulletin in (march, successor, odd, sensitive, withdrawn):
        result = check_schema(cap_of(client, bulletin))
        assert result.passed, (bulletin.title, result.message)


def test_the_schema_check_does_fail_on_a_broken_document(client, officer, march):
    """The validator is really validating: a document without its required status is refused."""
    client.force_login(officer)
    broken = cap_of(client, march).replace(b"<status>Actual</status>", b"")
    assert not check_schema(broken).passed


def test_a_successor_is_an_update_that_references_what_it_supersedes(client, officer, march, sector_a, westminster):
    successor = services.create_draft(by=officer, supersedes=march, sectors=[sector_a], boroughs=[westminster],
                                      **{**{f: getattr(march, f) for f in Bulletin.CONTENT_FIELDS},
                                         "title": "Update: March on Whitehall"})
    services.publish_bulletin(successor, by=officer)
    client.force_login(officer)
    original, update = parse(cap_of(client, march)), parse(cap_of(client, successor))

    assert update.msg_type == MsgType.UPDATE
    [reference] = update.references_to_list()
    assert (reference.sender, reference.identifier, reference.sent) == (original.sender, original.identifier,
                                                                        original.sent)
    # A receiver keeping current alerts (cap-tools' AlertState) ends with the update alone.
    state = AlertState()
    state.ingest(original)
    state.ingest(update)
    assert [alert.identifier for alert in state.alerts] == [update.identifier]


def test_a_withdrawn_bulletin_is_a_cancel_of_its_own_message(client, officer, march):
    client.force_login(officer)
    original = parse(cap_of(client, march))
    services.withdraw_bulletin(march, by=officer, reason="The march has been called off")
    cancel = parse(cap_of(client, march))

    assert cancel.msg_type == MsgType.CANCEL
    assert cancel.identifier != original.identifier  # a message of its own
    [reference] = cancel.references_to_list()
    assert (reference.sender, reference.identifier, reference.sent) == (original.sender, original.identifier,
                                                                        original.sent)
    march.refresh_from_db()
    assert cancel.sent.to_datetime() == march.withdrawn_at.replace(microsecond=0)
    assert cancel.note == "The march has been called off"
    assert "Withdrawn" in cancel.infos[0].instruction
    state = AlertState()
    state.ingest(original)
    state.ingest(cancel)
    assert [alert.msg_type for alert in state.alerts] == [MsgType.CANCEL]


def test_an_incident_update_names_its_incident(client, officer, sector_a):
    incident = services.open_incident(title="Power cut", sectors=[sector_a], boroughs=[], by=officer)
    update = services.post_incident_update(incident, title="Power back", body="Restored.", severity="info",
                                           by=officer)
    client.force_login(officer)
    alert = parse(cap_of(client, update))
    [named] = alert.incidents_to_list()
    assert named.endswith(f"-incident-{incident.pk}")
    assert alert.infos[0].categories == [Category.SECURITY]


# The boroughs' ONS codes -------------------------------------------------------------------------------------


def test_every_borough_has_its_ons_code():
    codes = dict(Borough.objects.values_list("name", "ons_code"))
    assert len(codes) == 33
    assert sorted(codes.values()) == [f"E0900{n:04d}" for n in range(1, 34)]
    assert codes["City of London"] == "E09000001"
    assert codes["Camden"] == "E09000007"
    assert codes["Kingston upon Thames"] == "E09000021"
    assert codes["Westminster"] == "E09000033"


def test_a_bulletin_for_no_borough_is_for_greater_london(client, officer, publish, sector_a):
    bulletin = publish(title="Everywhere", sectors=[sector_a])
    client.force_login(officer)
    [area] = parse(cap_of(client, bulletin)).infos[0].areas
    assert area.area_desc == "Greater London"
    assert [(g.value_name.value, g.value.value) for g in area.geocodes] == [("ONS", "E12000007")]


def test_a_borough_without_a_code_is_named_but_not_geocoded(client, officer, publish, sector_a, camden, westminster):
    Borough.objects.filter(pk=camden.pk).update(ons_code="")
    bulletin = publish(title="Two boroughs", sectors=[sector_a], boroughs=[camden, westminster])
    client.force_login(officer)
    [area] = parse(cap_of(client, bulletin)).infos[0].areas
    assert area.area_desc == "Camden, Westminster"
    assert [g.value.value for g in area.geocodes] == ["E09000033"]


# Who may have it ---------------------------------------------------------------------------------------------


@pytest.fixture
def partner(officer):
    token = PartnerToken(name="Borough resilience forum")
    key = partners.create_token(token, by=officer)
    return token, key


def test_a_partner_system_reads_it_with_its_key(client, partner, march):
    token, key = partner
    assert token.last_used_at is None
    alert = parse(cap_of(client, march, authorization=f"Bearer {key}"))
    assert alert.infos[0].headline == "March on Whitehall"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_keys_digest_is_stored(partner):
    token, key = partner
    token.refresh_from_db()
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(PartnerToken.objects.values().get(pk=token.pk))
    assert AuditEntry.objects.filter(action="partner_token.create", target_id=str(token.pk)).exists()


@pytest.mark.parametrize("header", ["Bearer not-a-key-anyone-was-given-0123456789", "Bearer ", "Basic dXNlcjpwYXNz",
                                    "Bearer a b c", "nonsense"])
def test_an_unknown_or_malformed_key_is_a_404(client, march, header):
    assert client.get(reverse("bulletins:cap", args=[march.pk]), headers={"authorization": header}).status_code == 404


def test_an_inactive_key_is_a_404_even_for_a_signed_in_officer(client, officer, partner, march):
    token, key = partner
    PartnerToken.objects.filter(pk=token.pk).update(active=False)
    client.force_login(officer)
    response = client.get(reverse("bulletins:cap", args=[march.pk]), headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 404


def test_without_a_key_it_is_an_officers_page(client, people, march):
    url = reverse("bulletins:cap", args=[march.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(people.member_a)
    assert client.get(url).status_code == 403


def test_a_draft_has_no_document_for_anyone(client, officer, partner, sector_a):
    _, key = partner
    draft = BulletinFactory(title="Not yet", author=officer, sectors=[sector_a])
    url = reverse("bulletins:cap", args=[draft.pk])
    assert client.get(url, headers={"authorization": f"Bearer {key}"}).status_code == 404
    client.force_login(officer)
    assert client.get(url).status_code == 404


def test_the_document_costs_a_bounded_number_of_queries(client, partner, march, django_assert_max_num_queries):
    _, key = partner
    url = reverse("bulletins:cap", args=[march.pk])
    with django_assert_max_num_queries(5):  # token, touch, bulletin with what it supersedes, boroughs
        assert client.get(url, headers={"authorization": f"Bearer {key}"}).status_code == 200


def test_the_admin_shows_a_new_key_once(client, people, march):
    client.force_login(people.admin)
    response = client.post(reverse("admin:bulletins_partnertoken_add"), {"name": "Met control room",
                                                                          "active": "on"})
    assert response.status_code == 200
    key = re.search(r'id="partner-key"[^>]*value="([A-Za-z0-9_-]{43})"', response.content.decode()).group(1)
    token = PartnerToken.objects.get(name="Met control room")
    assert token.created_by == people.admin and token.key_digest == partners.digest(key)
    # Never again: the token's own admin page has no key on it.
    page = client.get(reverse("admin:bulletins_partnertoken_change", args=[token.pk])).content.decode()
    assert key not in page and token.key_digest not in page
    client.logout()
    assert client.get(reverse("bulletins:cap", args=[march.pk]),
                      headers={"authorization": f"Bearer {key}"}).status_code == 200
