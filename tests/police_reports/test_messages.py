"""Author and officers exchange private messages on a report: each side is e-mailed (without the message's text,
and without anything of the officer's but their name) and told live; the report's open pages refresh."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from common.once import REPEATED_MESSAGE
from messaging.bulletins import transport
from messaging.police_reports import services
from messaging.police_reports.models import ReportMessage
from sectors.models import Borough, BoroughSpoc, Sector
from tests.factories import OrganisationFactory, member_of, officer_user
from tests.live.helpers import connect, hello
from tests.police_reports.conftest import submit


@pytest.fixture
def report(db, people, spoc, deputy, westminster):
    return submit(people.member_a, [westminster], title="Van watching the loading bay")


@pytest.fixture
def told(monkeypatch):
    sent = {"personal": [], "announced": []}
    monkeypatch.setattr(transport, "send_to_user", lambda user_id, payload: sent["personal"].append((user_id, payload)))
    monkeypatch.setattr(transport, "announce", lambda audience, payload: sent["announced"].append(payload))
    return sent


def message_url(report) -> str:
    return reverse("police_reports:message", args=[report.pk])


def token_from(client, report) -> str:
    page = client.get(report.get_absolute_url()).content.decode()
    return re.search(r'name="once_token" value="([^"]+)"', page).group(1)


@pytest.mark.django_db
def test_an_officer_replies_and_the_member_is_emailed_and_told_live(people, report, spoc, told,
                                                                   django_capture_on_commit_callbacks):
    spoc.phone = "07700 900123"
    spoc.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(report, by=spoc, body="Thank you: could you keep the **CCTV** from Tuesday?")
    (email,) = mail.outbox
    assert email.to == [people.member_a.email]
    assert email.subject == "[The Hub] The police replied to your report: Van watching the loading bay"
    text, html = email.body, email.alternatives[0][0]
    assert "PS Westminster SPOC" in text and "PS Westminster SPOC" in html
    for private in [spoc.email, "07700 900123", "020 7946 0100", "CCTV"]:
        assert private not in text and private not in html
    ((user_id, payload),) = told["personal"]
    assert user_id == people.member_a.pk
    assert payload["toast"] and payload["subheading"] == "Reply from PS Westminster SPOC"
    assert payload["refresh"] == [f"report-{report.pk}-messages"] and "CCTV" in payload["summary"]
    assert told["announced"] == [{"type": "news", "toast": False,
                                  "refresh": [f"report-{report.pk}-messages", services.TRIAGE_PART]}]
    entry = AuditEntry.objects.get(action="police_report.message")
    assert entry.actor == spoc and entry.data["to"] == [people.member_a.pk]


@pytest.mark.django_db
def test_the_member_writes_to_the_officers_it_was_routed_to_or_the_one_assigned(
        people, report, spoc, deputy, told, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(report, by=people.member_a, body="The van is back tonight.")
    assert sorted(email.to[0] for email in mail.outbox) == sorted([spoc.email, deputy.email])
    assert all(email.subject == "[The Hub] Message on a report to the police: Van watching the loading bay"
               for email in mail.outbox)
    assert {user_id for user_id, _ in told["personal"]} == {spoc.pk, deputy.pk}
    type(report).objects.filter(pk=report.pk).update(assigned_to=deputy)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(report, by=people.member_a, body="And again.")
    assert [email.to for email in mail.outbox] == [[deputy.email]]


@pytest.mark.django_db
def test_another_officers_message_also_tells_the_assigned_officer(people, report, spoc, deputy,
                                                                  django_capture_on_commit_callbacks):
    type(report).objects.filter(pk=report.pk).update(assigned_to=deputy)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(report, by=spoc, body="Passing by tomorrow.")
    assert sorted(email.to[0] for email in mail.outbox) == sorted([people.member_a.email, deputy.email])


@pytest.mark.django_db
def test_nobody_else_may_write_on_a_report(people, report):
    with pytest.raises(services.ReportError):
        services.post_message(report, by=people.member_b, body="Let me in")
    assert not ReportMessage.objects.exists()


@pytest.mark.django_db
def test_messages_both_ways_through_the_page(client, people, report, spoc, django_capture_on_commit_callbacks):
    client.force_login(people.member_a)
    response = client.post(message_url(report), {"body": "Photos attached tomorrow.",
                                                 "once_token": token_from(client, report)})
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url() + "#messages"
    client.force_login(spoc)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(message_url(report), {"body": "Thanks, noted.", "once_token": token_from(client, report)})
    client.force_login(people.member_a)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Photos attached tomorrow." in page and "Thanks, noted." in page and "Police</span>" in page
    fragment = client.get(report.get_absolute_url() + "?fragment=messages").content.decode()
    assert "Thanks, noted." in fragment and "<html" not in fragment
    assert any(email.to == [people.member_a.email] for email in mail.outbox)


@pytest.mark.django_db
def test_an_empty_message_comes_back_with_the_error_and_a_second_click_sends_nothing(client, people, report):
    client.force_login(people.member_a)
    response = client.post(message_url(report), {"body": "   ", "once_token": token_from(client, report)})
    assert response.status_code == 200 and "Write a message first." in response.content.decode()
    token = token_from(client, report)
    client.post(message_url(report), {"body": "Once", "once_token": token})
    again = client.post(message_url(report), {"body": "Once", "once_token": token}, follow=True)
    assert REPEATED_MESSAGE in again.content.decode()
    assert ReportMessage.objects.filter(body="Once").count() == 1


@pytest.mark.django_db
def test_a_huge_message_is_refused_with_its_limit(client, people, report):
    client.force_login(people.member_a)
    body = "x" * 5001
    page = client.post(message_url(report), {"body": body, "once_token": token_from(client, report)}
                       ).content.decode()
    assert "Keep a message to 5000 characters (it has 5001)." in page and body in page


@pytest.mark.django_db
def test_messages_are_rate_limited(client, people, report, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "1/h"}
    client.force_login(people.member_a)
    client.post(message_url(report), {"body": "One", "once_token": token_from(client, report)})
    response = client.post(message_url(report), {"body": "Two", "once_token": token_from(client, report)})
    assert response.status_code == 429 and "Two" in response.content.decode()
    assert ReportMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_long_thread_pages_with_the_newest_first_shown_in_bounded_queries(
        client, people, report, spoc, django_assert_max_num_queries):
    for number in range(60):
        ReportMessage.objects.create(report=report, author=spoc if number % 2 else people.member_a,
                                     body=f"Message number {number:02d}")
    client.force_login(spoc)
    with django_assert_max_num_queries(16):
        page = client.get(report.get_absolute_url()).content.decode()
    assert "Message number 59" in page and "Message number 09" not in page and "Page 2 of 2" in page
    assert "Message number 09" in client.get(report.get_absolute_url() + "?messages=1").content.decode()


# Live, over the socket ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_spoc_sees_a_report_arrive_live_and_the_member_sees_the_reply_live(_media):
    def setup():
        retail = Sector.objects.get(slug="retail")
        camden = Borough.objects.get(slug="camden")
        member = member_of(retail, organisation=OrganisationFactory(boroughs=[camden]), display_name="Mina")
        spoc = officer_user(display_name="DC Camden SPOC")
        BoroughSpoc.objects.create(borough=camden, officer=spoc)
        return member, spoc, camden

    member, spoc, camden = await sync_to_async(setup)()
    member_socket, spoc_socket = await connect(member), await connect(spoc)
    await hello(member_socket)
    await hello(spoc_socket)

    report = await sync_to_async(submit)(member, [camden], title="Drone over the yard")
    arrived = await spoc_socket.receive_json_from(timeout=3)
    assert arrived["type"] == "news" and arrived["toast"] is True
    assert arrived["title"] == "Drone over the yard" and arrived["url"] == report.get_absolute_url()
    quiet = await spoc_socket.receive_json_from(timeout=3)
    assert quiet == {"type": "news", "toast": False, "refresh": ["report-triage"]}
    assert await member_socket.receive_nothing(timeout=0.3)  # a member is not told of reports, even their own

    await sync_to_async(services.post_message)(report, by=spoc, body="We are on our way.")
    reply = await member_socket.receive_json_from(timeout=3)
    assert reply["subheading"] == "Reply from DC Camden SPOC" and reply["summary"] == "We are on our way."
    assert reply["refresh"] == [f"report-{report.pk}-messages"]

    await sync_to_async(services.post_message)(report, by=member, body="Thank you.")
    news = [await spoc_socket.receive_json_from(timeout=3) for _ in range(3)]  # the refresh, then the toast
    toasts = [item for item in news if item.get("toast")]
    assert toasts and toasts[0]["subheading"] == "Message from Mina"
    await member_socket.disconnect()
    await spoc_socket.disconnect()
