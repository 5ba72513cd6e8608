"""The call as it happens and after: the roll call, decisions and actions, and the published summary."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from messaging.bridge import minutes
from messaging.bridge.models import BridgeCall, Outcome
from messaging.bulletins import services as bulletin_services
from messaging.bulletins import transport
from messaging.bulletins.models import Bulletin, Delivery
from tests.factories import member_of, officer_user
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


def started(call: BridgeCall, minutes_ago: int = 10) -> BridgeCall:
    """The call as if it began a few minutes ago (the scheduling service rightly refuses a start in the past)."""
    starts = timezone.now() - timedelta(minutes=minutes_ago)
    BridgeCall.objects.filter(pk=call.pk).update(starts_at=starts,
                                                 ends_at=starts + timedelta(minutes=call.duration_minutes))
    call.refresh_from_db()
    return call


@pytest.fixture
def incident(officer, sector_a):
    return bulletin_services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[], by=officer)


@pytest.fixture
def call(schedule, reps, sector_a, sector_b, incident):
    """Retail's and Banking's representatives invited to a call on the Retail incident, under way."""
    return started(schedule(sectors=[sector_a, sector_b], incident=incident))


@pytest.fixture
def sent(monkeypatch):
    """What crosses the channel layer (the live push and announcements)."""
    messages = []
    monkeypatch.setattr(transport, "group_send", lambda group, message: messages.append((group, message)))
    return messages


def refreshes(sent) -> list[str]:
    return [name for _, message in sent if message["type"] == "live.announce"
            for name in message["payload"].get("refresh", [])]


def invitation_of(call, user):
    return call.invitations.get(user=user)


def record(call, by, **fields):
    values = {"kind": Outcome.Kind.DECISION, "text": "Keep the doors shut.", **fields}
    return minutes.record_outcome(call, by=by, **values)


# The roll call ------------------------------------------------------------------------------------------------


def test_the_chair_ticks_who_attended_and_the_counts_and_audit_follow(call, officer, reps, committed, sent):
    rita = invitation_of(call, reps["rita"])
    committed(minutes.mark_attended, rita, True, by=officer)
    rita.refresh_from_db()
    assert rita.attended and rita.attendance_marked_by == officer and rita.attendance_marked_at is not None
    assert minutes.attendance_counts(call) == {"invited": 3, "accepted": 0, "declined": 0, "delegated": 0,
                                               "pending": 3, "attended": 1}
    assert AuditEntry.objects.filter(action="bridge.attendance", target_id=str(rita.pk), actor=officer).count() == 1
    # Officers' open roll calls refresh (an audience of nobody reaches officers only).
    (announce,) = [message for _, message in sent if message["type"] == "live.announce"]
    assert announce["audience"] == {"everyone": False, "sectors": [], "boroughs": [], "people": []}
    assert announce["payload"] == {"type": "news", "toast": False, "refresh": [f"roll-call-{call.pk}"]}

    committed(minutes.mark_attended, rita, True, by=officer)  # a second tick of the same: nothing to record
    assert AuditEntry.objects.filter(action="bridge.attendance").count() == 1
    committed(minutes.mark_attended, rita, False, by=officer)
    assert minutes.attendance_counts(call)["attended"] == 0


def test_a_co_chair_keeps_the_roll_call_and_another_officer_may_not(schedule, reps, sector_a, officer):
    co_chair, colleague = officer_user(display_name="Co Chair"), officer_user(display_name="Someone Else")
    call = started(schedule(sectors=[sector_a], co_chairs=[co_chair]))
    minutes.mark_attended(invitation_of(call, reps["rita"]), True, by=co_chair)
    with pytest.raises(minutes.MinutesError, match="chair and co-chairs"):
        minutes.mark_attended(invitation_of(call, reps["cathy"]), True, by=colleague)


def test_the_roll_call_opens_half_an_hour_before_the_start(schedule, reps, sector_a, officer):
    call = schedule(sectors=[sector_a], starts_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(minutes.MinutesError, match="opens 30 minutes before"):
        minutes.mark_attended(invitation_of(call, reps["rita"]), True, by=officer)
    soon = schedule(sectors=[sector_a], title="Soon", starts_at=timezone.now() + timedelta(minutes=20))
    assert minutes.mark_attended(invitation_of(soon, reps["rita"]), True, by=officer).attended


def test_the_roll_call_page_groups_invitees_by_sector_with_answers_and_ticks(client, call, officer, reps):
    client.force_login(officer)
    page = client.get(reverse("bridge:roll_call", args=[call.pk])).content.decode()
    assert page.index("Banking and finance") < page.index("Barry Bank") < page.index("Retail") \
        < page.index("Cathy Camden") < page.index("Rita Retail")
    assert "deputy Dave Deputy" in page and "Invited <strong>3</strong>" in page
    assert f'data-live-part="roll-call-{call.pk}"' in page
    assert f'data-part-url="/bridge/{call.pk}/roll-call/?fragment=roll"' in page
    assert reverse("bridge:attendance", args=[call.pk, invitation_of(call, reps["rita"]).pk]) in page
    assert "roll_call.js" in page and "<script>" not in page
    part = client.get(reverse("bridge:roll_call", args=[call.pk]), {"fragment": "roll"}).content.decode()
    assert "Rita Retail" in part and "<html" not in part and "Decisions and actions" not in part


def test_ticking_from_the_page_script_answers_with_the_part_and_from_a_form_with_the_page(client, call, officer,
                                                                                          reps):
    client.force_login(officer)
    rita = invitation_of(call, reps["rita"])
    url = reverse("bridge:attendance", args=[call.pk, rita.pk])
    part = client.post(url, {"attended": "1"}, headers={"X-Requested-With": "fetch"})
    assert part.status_code == 200 and "<html" not in part.content.decode()
    assert 'aria-pressed="true"' in part.content.decode()
    response = client.post(url, {"attended": "0"})
    assert response.status_code == 302 and response["Location"].endswith(f"#invitation-{rita.pk}")
    rita.refresh_from_db()
    assert not rita.attended


def test_another_officer_sees_the_roll_call_without_its_forms(client, call, reps):
    colleague = officer_user(display_name="Someone Else")
    client.force_login(colleague)
    page = client.get(reverse("bridge:roll_call", args=[call.pk])).content.decode()
    assert "Rita Retail" in page and "Only the call's chair and co-chairs" in page
    assert f"bridge/{call.pk}/roll-call/{invitation_of(call, reps['rita']).pk}/" not in page
    assert reverse("bridge:outcome_create", args=[call.pk]) not in page
    assert client.post(reverse("bridge:attendance", args=[call.pk, invitation_of(call, reps["rita"]).pk]),
                       {"attended": "1"}).status_code == 403


# Decisions and actions ----------------------------------------------------------------------------------------


def test_decisions_and_actions_are_recorded_with_owner_and_due_time(call, officer, sector_a, reps, committed, sent):
    due = call.starts_at + timedelta(hours=3)
    action = committed(record, call, officer, kind=Outcome.Kind.ACTION, text="  Brief the *night* staff.  ",
                       owner_organisation=reps["shop"], due_at=due)
    decision = record(call, officer, owner_sector=sector_a)
    assert action.text == "Brief the *night* staff." and "<em>night</em>" in action.text_html
    assert (action.owner, action.due_at, decision.owner) == (reps["shop"], due, sector_a)
    assert AuditEntry.objects.filter(action="bridge.outcome_record").count() == 2
    assert f"roll-call-{call.pk}" in refreshes(sent)
    committed(minutes.delete_outcome, decision, by=officer)
    assert list(call.outcomes.all()) == [action]
    assert AuditEntry.objects.get(action="bridge.outcome_delete").data["text"] == "Keep the doors shut."


@pytest.mark.parametrize(("fields", "message"), [
    ({"owner_sector": "sector", "owner_organisation": "shop"}, "one owner"),
    ({"due_at": "later"}, "Only an action"),
    ({"kind": Outcome.Kind.ACTION, "due_at": "before"}, "before the call started"),
    ({"text": "   "}, "Say what was decided"),
])
def test_an_outcome_that_does_not_make_sense_is_refused(call, officer, sector_a, reps, fields, message):
    values = {"sector": sector_a, "shop": reps["shop"], "later": call.starts_at + timedelta(hours=1),
              "before": call.starts_at - timedelta(days=1)}
    fields = {name: values.get(value, value) for name, value in fields.items()}
    with pytest.raises(minutes.MinutesError, match=message):
        record(call, officer, **fields)
    assert not call.outcomes.exists()


def test_a_due_time_already_past_when_the_minutes_are_written_is_kept(call, officer):
    during = call.starts_at + timedelta(minutes=5)  # "close the gate by 10:05", written up at 10:30
    assert record(call, officer, kind=Outcome.Kind.ACTION, due_at=during).due_at == during


def test_the_outcome_form_says_what_is_wrong_beside_the_field_and_keeps_the_input(client, call, officer, sector_a,
                                                                                   reps):
    client.force_login(officer)
    page = client.get(reverse("bridge:roll_call", args=[call.pk])).content.decode()
    token = page.split('name="once_token" value="')[1].split('"')[0]
    response = client.post(reverse("bridge:outcome_create", args=[call.pk]), {
        "once_token": token, "outcome-kind": "decision", "outcome-text": "Close the *north* gate",
        "outcome-owner_sector": sector_a.pk, "outcome-owner_organisation": reps["shop"].pk,
        "outcome-due_at": "2020-01-01T10:00",
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert "Name one owner: a sector or an organisation, not both." in body
    assert "Only an action has a due time" in body
    assert "Close the *north* gate</textarea>" in body and 'value="2020-01-01T10:00"' in body
    assert not call.outcomes.exists()


def test_an_outcome_is_recorded_once_however_often_its_form_is_sent(client, call, officer):
    client.force_login(officer)
    page = client.get(reverse("bridge:roll_call", args=[call.pk])).content.decode()
    token = page.split('name="once_token" value="')[1].split('"')[0]
    data = {"once_token": token, "outcome-kind": "action", "outcome-text": "Reopen the station at 18:00",
            "outcome-due_at": (timezone.localtime(call.starts_at) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
    url = reverse("bridge:outcome_create", args=[call.pk])
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert call.outcomes.count() == 1
    page = client.get(first["Location"]).content.decode()
    assert "Reopen the station at 18:00" in page and "Action recorded." in page


def test_deleting_an_outcome_from_the_page(client, call, officer):
    outcome = record(call, officer)
    client.force_login(officer)
    response = client.post(reverse("bridge:outcome_delete", args=[call.pk, outcome.pk]))
    assert response.status_code == 302 and not call.outcomes.exists()
    assert client.post(reverse("bridge:outcome_delete", args=[call.pk, outcome.pk])).status_code == 404


# The summary ------------------------------------------------------------------------------------------------


@pytest.fixture
def minuted(call, officer, sector_a, reps):
    """The call with a decision and an action recorded, and two people ticked as attended."""
    for person in ("rita", "barry"):
        minutes.mark_attended(invitation_of(call, reps[person]), True, by=officer)
    record(call, officer, text="Keep staff **inside**.")
    record(call, officer, kind=Outcome.Kind.ACTION, text="Brief the managers.", owner_sector=sector_a,
           due_at=call.starts_at + timedelta(hours=2))
    return call


def test_the_summary_goes_to_the_incidents_audience_through_the_publisher(minuted, officer, incident, reps,
                                                                          sector_a, committed, sent):
    outsider = member_of(sector_a.__class__.objects.get(slug="hotels-and-hospitality"))
    summary = committed(minutes.publish_summary, minuted, by=officer, audience=minutes.Audiences.INCIDENT,
                        ack_requested=True)
    summary.refresh_from_db()
    minuted.refresh_from_db()
    assert minuted.summary_bulletin == summary
    assert (summary.kind, summary.incident, summary.status) == (Bulletin.Kind.INCIDENT_UPDATE, incident, "published")
    assert summary.title == "Bridge call summary: Marathon road closures" and summary.ack_requested
    retail_members = {reps[name].pk for name in ("rita", "dave", "colleague", "cathy")}
    assert set(Delivery.objects.filter(bulletin=summary).values_list("user_id", flat=True)) == retail_members
    assert outsider.pk not in retail_members and reps["barry"].pk not in retail_members
    assert sorted(message.to[0] for message in mail.outbox if summary.title in message.subject) == sorted(
        reps[name].email for name in ("rita", "dave", "colleague", "cathy"))
    body = summary.body
    assert "Attended: **2** of 3 invited." in body
    assert body.index("## Decisions") < body.index("Keep staff **inside**.") < body.index("## Actions")
    due = minutes.london_text(minuted.starts_at + timedelta(hours=2))
    assert f"*Owner: Retail · due {due}*" in body
    pushes = [message for _, message in sent if message["type"] == "live.bulletin"]
    assert [push["bulletin"]["id"] for push in pushes] == [summary.pk]
    assert f"incident-{incident.pk}-calls" in refreshes(sent)
    assert AuditEntry.objects.filter(action="bridge.summary_publish", target_id=str(minuted.pk)).exists()


def test_a_summary_for_the_invitees_only_reaches_them_their_deputies_and_delegates(minuted, officer, reps,
                                                                                   committed, sent):
    from messaging.bridge import services

    rita = invitation_of(minuted, reps["rita"])
    services.respond(rita, by=reps["rita"], response="delegated", delegate=reps["colleague"])
    summary = committed(minutes.publish_summary, minuted, by=officer, audience=minutes.Audiences.INVITEES)
    expected = {reps[name].pk for name in ("rita", "dave", "colleague", "cathy", "barry")}
    assert set(Delivery.objects.filter(bulletin=summary).values_list("user_id", flat=True)) == expected
    summary.refresh_from_db()
    assert not summary.everyone and not summary.sectors.exists() and summary.incident == minuted.incident
    assert set(summary.named_recipients.values_list("pk", flat=True)) == expected
    assert {message.to[0] for message in mail.outbox if summary.title in message.subject} == {
        reps[name].email for name in ("rita", "dave", "colleague", "cathy", "barry")}
    (push,) = [message for _, message in sent if message["type"] == "live.bulletin"]
    assert set(push["audience"]["people"]) == expected and push["audience"]["sectors"] == []


def test_a_call_on_a_pre_planning_notice_sends_its_summary_to_the_notices_audience(schedule, reps, officer,
                                                                                   sector_b, committed):
    notice = Bulletin.objects.create(title="Marathon", body="Sunday.", author=officer, kind=Bulletin.Kind.PRE_PLANNING)
    notice.sectors.set([sector_b])
    committed(bulletin_services.publish_bulletin, notice, by=officer)
    call = started(schedule(sectors=[sector_b], bulletin=notice))
    record(call, officer)
    summary = committed(minutes.publish_summary, call, by=officer, audience=minutes.Audiences.INCIDENT)
    assert summary.kind == Bulletin.Kind.ADVICE and summary.incident is None
    assert list(Delivery.objects.filter(bulletin=summary).values_list("user_id", flat=True)) == [reps["barry"].pk]


def test_the_summary_is_refused_twice_empty_cancelled_or_before_the_call(schedule, minuted, officer, reps, sector_a,
                                                                         committed):
    from messaging.bridge import services

    committed(minutes.publish_summary, minuted, by=officer, audience=minutes.Audiences.INCIDENT)
    with pytest.raises(minutes.MinutesError, match="already been published"):
        minutes.publish_summary(minuted, by=officer, audience=minutes.Audiences.INVITEES)
    assert Bulletin.objects.filter(title__startswith="Bridge call summary").count() == 1
    with pytest.raises(minutes.MinutesError, match="closed"):  # the minutes are closed with it
        record(minuted, officer)

    empty = started(schedule(sectors=[sector_a], title="Empty"))
    with pytest.raises(minutes.MinutesError, match="Nothing is recorded"):
        minutes.publish_summary(empty, by=officer, audience=minutes.Audiences.INVITEES)
    with pytest.raises(minutes.MinutesError, match="not about an incident"):
        record(empty, officer)
        minutes.publish_summary(empty, by=officer, audience=minutes.Audiences.INCIDENT)

    ahead = schedule(sectors=[sector_a], title="Tomorrow")
    record(ahead, officer)
    with pytest.raises(minutes.MinutesError, match="not started"):
        minutes.publish_summary(ahead, by=officer, audience=minutes.Audiences.INVITEES)
    services.cancel_call(ahead, by=officer, reason="Not needed")
    with pytest.raises(minutes.MinutesError, match="cancelled"):
        minutes.publish_summary(ahead, by=officer, audience=minutes.Audiences.INVITEES)
    assert Bulletin.objects.filter(title__startswith="Bridge call summary").count() == 1


def test_the_summary_page_previews_it_and_publishes_once(client, minuted, officer, incident, reps):
    client.force_login(officer)
    url = reverse("bridge:summary", args=[minuted.pk])
    page = client.get(url).content.decode()
    assert "Keep staff <strong>inside</strong>." in page and "Bridge call summary: Marathon road closures" in page
    assert "Everyone the incident&#x27;s updates reach (4 members)" in page
    assert "The invitees only (with their deputies and delegates) (4 members)" in page
    token = page.split('name="once_token" value="')[1].split('"')[0]
    data = {"once_token": token, "audience": "incident", "severity": "advisory", "marking": "official"}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == 302 and first["Location"] == incident.get_absolute_url()
    assert second.status_code == 302
    (summary,) = Bulletin.objects.filter(title__startswith="Bridge call summary")
    assert summary.severity == "advisory" and summary.recipient_count == 4
    assert client.get(url)["Location"] == incident.get_absolute_url()  # published: the page says so and leaves


def test_the_summary_page_explains_why_there_is_nothing_to_publish(client, call, officer):
    client.force_login(officer)
    page = client.get(reverse("bridge:summary", args=[call.pk])).content.decode()
    assert "Nothing is recorded yet" in page and "Publish the summary</button>" not in page


@pytest.mark.parametrize("text", CORPUS)
def test_outcome_text_is_never_executable_on_the_roll_call_summary_or_incident_room(client, call, officer, incident,
                                                                                     reps, committed, text):
    record(call, officer, kind=Outcome.Kind.ACTION, text=text)
    client.force_login(officer)
    pages = [client.get(reverse("bridge:roll_call", args=[call.pk])),
             client.get(reverse("bridge:roll_call", args=[call.pk]), {"fragment": "outcomes"}),
             client.get(reverse("bridge:summary", args=[call.pk]))]
    summary = committed(minutes.publish_summary, call, by=officer, audience=minutes.Audiences.INCIDENT)
    pages.append(client.get(summary.get_absolute_url()))
    client.force_login(reps["rita"])
    pages.append(client.get(incident.get_absolute_url()))
    pages.append(client.get(incident.get_absolute_url(), {"fragment": "calls"}))
    for page in pages:
        assert page.status_code == 200
        assert executable_markup(page.content.decode()) == []
    for message in mail.outbox:  # the bulletin e-mail is plain text; any HTML part must be clean too
        for html, _ in getattr(message, "alternatives", []):
            assert executable_markup(html, allowed_tags=frozenset({"meta"})) == []


def _call_with_co_chair():
    from sectors.models import Sector
    from tests.bridge.conftest import appoint

    retail = Sector.objects.get(slug="retail")
    chair, co_chair = officer_user(display_name="Chair"), officer_user(display_name="Co-chair")
    rita = member_of(retail, display_name="Rita Retail")
    appoint(retail, rita)
    starts = timezone.now() - timedelta(minutes=5)
    call = BridgeCall.objects.create(title="Live roll call", starts_at=starts, dial_in="020 7946 0000",
                                     access_pin="1234", chair=chair, created_by=chair)
    call.co_chairs.set([co_chair])
    invitation = call.invitations.create(user=rita, sector=retail)
    return call, invitation, chair, co_chair, rita


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_tick_refreshes_the_co_chairs_open_roll_call_and_tells_members_nothing():
    from asgiref.sync import sync_to_async

    from tests.live.helpers import connect, hello

    call, invitation, chair, co_chair, rita = await sync_to_async(_call_with_co_chair)()
    co_chair_socket, member_socket = await connect(co_chair), await connect(rita)
    await hello(co_chair_socket)
    await hello(member_socket)
    await sync_to_async(minutes.mark_attended)(invitation, True, by=chair)
    assert await co_chair_socket.receive_json_from(timeout=3) == {
        "type": "news", "toast": False, "refresh": [f"roll-call-{call.pk}"]}
    assert await member_socket.receive_nothing(timeout=0.5)
    await co_chair_socket.disconnect()
    await member_socket.disconnect()
