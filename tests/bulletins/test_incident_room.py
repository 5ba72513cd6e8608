"""The incident room: status and audience, the timeline (with read figures for officers only), the bridge calls
(never how to join), the forum threads linked to it (only those the reader may read), its live parts, and a
number of queries that does not grow with what it shows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from messaging.board.models import Forum, Thread
from messaging.bridge import minutes
from messaging.bridge.models import BridgeCall, Invitation, Outcome
from messaging.bulletins import services, transport
from messaging.bulletins.models import IncidentThreadLink
from tests.factories import member_of, officer_user

pytestmark = pytest.mark.django_db

PIN = "918273"
DIAL_IN = "+44 20 7946 0999"


@pytest.fixture
def incident(officer, sector_a, westminster):
    return services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[westminster], by=officer)


def bridge_call(incident, officer, *, title="Soho bridge", hours=2, invite=(), **fields) -> BridgeCall:
    """A call on the incident (rows written directly: scheduling has its own tests)."""
    call = BridgeCall.objects.create(title=title, incident=incident, starts_at=timezone.now() + timedelta(hours=hours),
                                     dial_in=DIAL_IN, access_pin=PIN, chair=officer, created_by=officer, **fields)
    for person in invite:
        Invitation.objects.create(call=call, user=person)
    return call


def thread_in(forum: Forum, title: str, *, status=Thread.Status.APPROVED, author=None) -> Thread:
    return Thread.objects.create(forum=forum, title=title, status=status, author=author)


def link(incident, thread, officer) -> IncidentThreadLink:
    return services.link_thread(incident, thread, by=officer)


# What each role sees ------------------------------------------------------------------------------------------


def test_the_room_names_its_status_and_audience(client, audience, incident):
    client.force_login(audience["retail_westminster"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Active" in page and "Retail; organisations with premises in Westminster." in page


def test_members_see_a_call_is_scheduled_and_when_but_never_how_to_join(client, audience, officer, incident):
    rita = audience["retail_westminster"]
    bridge_call(incident, officer, invite=[rita], join_url="https://meet.example.org/secret-room")
    for person in (rita, officer):
        client.force_login(person)
        for page in (client.get(incident.get_absolute_url()),
                     client.get(incident.get_absolute_url(), {"fragment": "calls"})):
            text = page.content.decode()
            assert page.status_code == 200 and "Soho bridge" in text
            assert PIN not in text and "7946 0999" not in text and "secret-room" not in text
    client.force_login(rita)
    assert "You are invited" in client.get(incident.get_absolute_url()).content.decode()


def test_officers_get_the_schedule_link_and_the_roll_call_members_do_not(client, audience, officer, incident):
    call = bridge_call(incident, officer)
    client.force_login(officer)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert f"{reverse('bridge:create')}?incident={incident.pk}" in page
    assert reverse("bridge:roll_call", args=[call.pk]) in page
    client.force_login(audience["retail_westminster"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert reverse("bridge:create") not in page and reverse("bridge:roll_call", args=[call.pk]) not in page


def test_decisions_show_to_members_who_may_read_the_summary_and_always_to_officers(client, audience, officer,
                                                                                  incident, committed):
    rita, other = audience["retail_westminster"], member_of(incident.sectors.first(),
                                                              organisation=audience["retail_westminster"].organisation)
    call = bridge_call(incident, officer, hours=-2, invite=[rita])
    minutes.record_outcome(call, kind=Outcome.Kind.ACTION, text="Close the *north* gate.", by=officer)
    client.force_login(rita)
    assert "north" not in client.get(incident.get_absolute_url()).content.decode()  # not published yet
    client.force_login(officer)
    assert "<em>north</em>" in client.get(incident.get_absolute_url()).content.decode()

    summary = committed(minutes.publish_summary, call, by=officer, audience=minutes.Audiences.INVITEES)
    client.force_login(rita)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "<em>north</em>" in page and reverse("bulletins:detail", args=[summary.pk]) in page
    client.force_login(other)  # in the incident's audience, not invited: the call, not its minutes
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Soho bridge" in page and "north" not in page
    assert reverse("bulletins:detail", args=[summary.pk]) not in page


def test_read_figures_are_for_officers_only(client, audience, officer, incident, committed):
    update = committed(services.post_incident_update, incident, title="Cordon", body="Stay in.", severity="warning",
                       by=officer)
    client.force_login(audience["retail_westminster"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "delivery-figures" not in page and reverse("bulletins:report", args=[update.pk]) not in page
    client.force_login(officer)
    page = client.get(incident.get_absolute_url()).content.decode()
    # Rita opened the room (read); the update reached Retail members in Westminster: Rita alone.
    assert "Read 1/1" in page and reverse("bulletins:report", args=[update.pk]) in page


def test_the_calls_fragment_is_the_calls_part_alone(client, audience, officer, incident):
    bridge_call(incident, officer)
    client.force_login(audience["retail_westminster"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert f'data-live-part="incident-{incident.pk}-calls"' in page
    assert f'data-part-url="/bulletins/incidents/{incident.pk}/?fragment=calls"' in page
    part = client.get(incident.get_absolute_url(), {"fragment": "calls"}).content.decode()
    assert "Soho bridge" in part and "<html" not in part and "Timeline" not in part


# Linked threads ------------------------------------------------------------------------------------------------


@pytest.fixture
def threads(incident, officer, sector_a, sector_b, audience):
    """Linked: a Hub thread, a Retail thread, a Banking thread. Rita (Retail) may read the first two."""
    hub, retail, banking = Forum.objects.hub(), Forum.objects.get(sector=sector_a), Forum.objects.get(sector=sector_b)
    made = {"hub": thread_in(hub, "Hub: who has power?"), "retail": thread_in(retail, "Retail: generators"),
            "banking": thread_in(banking, "Banking: cash machines")}
    for thread in made.values():
        link(incident, thread, officer)
    return made


def test_linked_threads_show_only_to_those_who_may_read_them(client, audience, threads, incident):
    client.force_login(audience["retail_westminster"])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Hub: who has power?" in page and "Retail: generators" in page
    assert "Banking: cash machines" not in page
    # A thread that is no longer approved (a moderator rejected it after it was linked) disappears.
    Thread.objects.filter(pk=threads["retail"].pk).update(status=Thread.Status.REJECTED)
    part = client.get(incident.get_absolute_url(), {"fragment": "threads"}).content.decode()
    assert "Retail: generators" not in part and "Hub: who has power?" in part and "<html" not in part


def test_an_officer_links_a_thread_by_address_or_number_and_unlinks_it(client, officer, incident, audience, sector_a,
                                                                       monkeypatch):
    sent = []
    monkeypatch.setattr(transport, "group_send", lambda group, message: sent.append(message))
    hub = Forum.objects.hub()
    first, second = thread_in(hub, "Generators for hire"), thread_in(hub, "Lifts out")
    client.force_login(officer)
    url = reverse("bulletins:incident_link_thread", args=[incident.pk])
    with_capture = client.post(url, {"link-thread": f"http://testserver{first.get_absolute_url()}"})
    assert with_capture.status_code == 302
    assert client.post(url, {"link-thread": str(second.pk)}).status_code == 302
    assert set(incident.thread_links.values_list("thread_id", flat=True)) == {first.pk, second.pk}
    assert AuditEntry.objects.filter(action="incident.link_thread").count() == 2
    (link_row,) = incident.thread_links.filter(thread=first)
    assert client.post(reverse("bulletins:incident_unlink_thread", args=[link_row.pk])).status_code == 302
    assert list(incident.thread_links.values_list("thread_id", flat=True)) == [second.pk]
    assert AuditEntry.objects.filter(action="incident.unlink_thread").count() == 1


@pytest.mark.parametrize(("typed", "error"), [
    ("", "Paste the thread&#x27;s address or type its number."),
    ("https://evil.example/forums/threads/1/", "not an address on this portal"),
    ("/bulletins/", "not the address of a forum thread"),
    ("999999", "no forum thread with that number that you can read"),
    ("pending", "waiting for a moderator"),
    ("banking", "no forum thread with that number that you can read"),  # officers do not read sector forums
    ("linked", "already linked"),
])
def test_a_thread_that_cannot_be_linked_is_said_beside_the_field_and_the_input_kept(client, officer, incident,
                                                                                     sector_b, typed, error):
    hub = Forum.objects.hub()
    targets = {"pending": thread_in(hub, "Pending", status=Thread.Status.PENDING, author=officer),
               "banking": thread_in(Forum.objects.get(sector=sector_b), "Banking"),
               "linked": thread_in(hub, "Linked")}
    link(incident, targets["linked"], officer)
    value = str(targets[typed].pk) if typed in targets else typed
    client.force_login(officer)
    response = client.post(reverse("bulletins:incident_link_thread", args=[incident.pk]), {"link-thread": value})
    page = response.content.decode()
    assert response.status_code == 200 and error in page
    assert f'value="{value}"' in page or not value
    assert incident.thread_links.count() == 1


# Queries -----------------------------------------------------------------------------------------------------


def fill(incident, officer, audience, committed, size: int) -> None:
    """``size`` updates, calls (half held, each with outcomes and a summary) and linked threads."""
    rita = audience["retail_westminster"]
    hub = Forum.objects.hub()
    for n in range(size):
        committed(services.post_incident_update, incident, title=f"Update {n}", body="More.", severity="info",
                  by=officer)
        call = bridge_call(incident, officer, title=f"Call {n}", hours=(-3 if n % 2 else 3 + n), invite=[rita])
        if n % 2:
            minutes.record_outcome(call, kind=Outcome.Kind.DECISION, text=f"Decision {n}", by=officer)
            committed(minutes.publish_summary, call, by=officer, audience=minutes.Audiences.INCIDENT)
        link(incident, thread_in(hub, f"Thread {n}"), officer)


@pytest.mark.parametrize("who", ["officer", "member"])
def test_the_rooms_queries_do_not_grow_with_updates_calls_and_threads(client, audience, officer, incident,
                                                                      committed, django_assert_max_num_queries, who):
    viewer = officer if who == "officer" else audience["retail_westminster"]
    client.force_login(viewer)
    client.get(reverse("dashboard"))
    counts = []
    for size in (2, 8):
        fill(incident, officer, audience, committed, size)
        with django_assert_max_num_queries(25) as captured:
            assert client.get(incident.get_absolute_url()).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_colleague_officer_sees_the_same_room(client, officer, incident):
    colleague = officer_user(display_name="Another Officer")
    client.force_login(colleague)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Link a forum thread" in page and "Schedule a bridge call" in page
