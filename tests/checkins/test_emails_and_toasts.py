"""Where members meet the question: the carrier's e-mail (one signed link per answer, for that recipient; only a
link for an OFFICIAL-SENSITIVE carrier; no extra query per message), the live toast's payload (the answers as
buttons, read from a stored column: no query per payload), and the inbox row leading to the check-in."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.bulletins import selectors as bulletin_selectors
from messaging.bulletins import services as bulletin_services
from messaging.bulletins import transport
from messaging.bulletins.models import Bulletin, Delivery
from messaging.bulletins.tasks import send_bulletin_emails
from messaging.checkins import links, services
from messaging.checkins.models import DEFAULT_CHOICES
from tests.checkins.asking import ask, ask_incident
from tests.factories import BulletinFactory, OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _emails_sent_at_once(settings):
    """The fan-out runs at the commit (the PostgreSQL run queues it in the database by default)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def members(sector_a):
    return [member_of(sector_a, organisation=OrganisationFactory(), display_name=f"Member {n}") for n in range(3)]


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+/checkins/answer/(\S+)/", body)


def test_each_recipient_gets_one_signed_link_per_answer_carrying_their_own_id(officer, sector_a, members,
                                                                            django_capture_on_commit_callbacks):
    check_in = ask_incident(officer, [sector_a], capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    choice_ids = list(check_in.choices.values_list("pk", flat=True))
    for message in mail.outbox:
        person = next(m for m in members if m.email == message.to[0])
        body = message.body
        assert "Are your premises affected?" in body and "Are you affected?" in message.subject
        tokens = links_in(body)
        assert len(tokens) == len(DEFAULT_CHOICES)
        read = [links.read_token(token) for token in tokens]
        assert [link.choice_id for link in read] == choice_ids
        assert {(link.check_in_id, link.person_id) for link in read} == {(check_in.pk, person.pk)}
        for label, _ in DEFAULT_CHOICES:
            assert f"  {label}: http" in body
        assert f"/checkins/{check_in.pk}/" in body


def test_an_official_sensitive_carrier_mails_only_the_link(officer, sector_a, members,
                                                            django_capture_on_commit_callbacks):
    about = BulletinFactory(author=officer, sectors=[sector_a], marking=Bulletin.Marking.OFFICIAL_SENSITIVE,
                            title="Sensitive matter")
    bulletin_services.publish_bulletin(about, by=officer)
    mail.outbox.clear()
    check_in = ask(officer, about=about, question="Did the named man visit you?",
                   capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert "named man" not in message.body and "named man" not in message.subject
        assert not links_in(message.body)
        assert f"/checkins/{check_in.pk}/" in message.body


def test_the_fan_out_costs_no_extra_query_per_message(officer, sector_a, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    def fan_out_queries(bulletin) -> int:
        with CaptureQueriesContext(connection) as captured:
            send_bulletin_emails.call(bulletin.pk)
        return len(captured.captured_queries)

    def publish_both() -> tuple[Bulletin, Bulletin]:
        plain = BulletinFactory(author=officer, sectors=[sector_a])
        bulletin_services.publish_bulletin(plain, by=officer)
        return plain, ask_incident(officer, [sector_a]).carrier

    member_of(sector_a, organisation=OrganisationFactory())
    few = publish_both()
    for _ in range(3):
        member_of(sector_a, organisation=OrganisationFactory())
    many = publish_both()
    (few_plain, few_carrier), (many_plain, many_carrier) = [[fan_out_queries(b) for b in pair] for pair in (few, many)]
    assert many_carrier - few_carrier == many_plain - few_plain  # the same cost per message
    assert few_carrier <= few_plain + 1  # and one lookup of the check-in per fan-out


def test_the_toast_payload_carries_the_answers_without_a_query(officer, sector_a, members, monkeypatch,
                                                               django_capture_on_commit_callbacks,
                                                               django_assert_num_queries):
    sent = []
    monkeypatch.setattr(transport, "group_send", lambda group, message: sent.append(message))
    check_in = ask_incident(officer, [sector_a], capture=django_capture_on_commit_callbacks)
    payload = next(m["bulletin"] for m in sent if m["type"] == "live.bulletin")
    assert payload["id"] == check_in.carrier_id
    assert payload["check_in"]["url"] == check_in.get_absolute_url()
    buttons = payload["check_in"]["choices"]
    assert [b["label"] for b in buttons] == [label for label, _ in DEFAULT_CHOICES]
    for button, choice in zip(buttons, check_in.choices.all(), strict=True):
        assert button["url"] == f"{reverse('checkins:answer', args=[check_in.pk])}?choice={choice.pk}"
    # A socket that comes back asks for what it missed: the same buttons, one query for the lot.
    user = members[0]
    user.refresh_from_db()
    from messaging.bulletins.audience import reach_of
    reach_of(user)
    replay = bulletin_selectors.replay_for(user, 0, not_before=check_in.opened_at.replace(year=2000))
    assert replay[-1]["check_in"] == payload["check_in"]


def test_no_buttons_for_a_sensitive_carrier_or_once_closed(officer, sector_a, members, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(transport, "group_send", lambda group, message: sent.append(message))
    about = BulletinFactory(author=officer, sectors=[sector_a], marking=Bulletin.Marking.OFFICIAL_SENSITIVE)
    bulletin_services.publish_bulletin(about, by=officer)
    ask(officer, about=about, capture=django_capture_on_commit_callbacks)
    assert "check_in" not in [m for m in sent if m["type"] == "live.bulletin"][-1]["bulletin"]
    open_one = ask_incident(officer, [sector_a])
    services.close_check_in(open_one, by=officer)
    replay = bulletin_selectors.replay_for(members[0], 0, not_before=open_one.opened_at.replace(year=2000))
    assert all("check_in" not in item for item in replay)


def test_the_inbox_row_leads_to_the_check_in(client, officer, sector_a, members, django_assert_max_num_queries):
    check_in = ask_incident(officer, [sector_a])
    for n in range(3):
        bulletin_services.publish_bulletin(BulletinFactory(author=officer, sectors=[sector_a]), by=officer)
    client.force_login(members[0])
    with django_assert_max_num_queries(20) as counted:
        html = client.get(reverse("bulletins:inbox")).content.decode()
    assert f'href="{check_in.get_absolute_url()}"' in html and "Answer: are you affected?" in html
    for n in range(3):
        ask_incident(officer, [sector_a])
    with django_assert_max_num_queries(len(counted.captured_queries)):
        client.get(reverse("bulletins:inbox"))


def test_reading_the_check_in_marks_its_bulletin_read(client, officer, sector_a, members):
    check_in = ask_incident(officer, [sector_a])
    client.force_login(members[0])
    client.get(check_in.get_absolute_url())
    assert Delivery.objects.get(bulletin=check_in.carrier, user=members[0]).read_at is not None


def test_the_carriers_page_leads_members_to_answer_and_officers_to_the_grid(client, officer, sector_a, members):
    check_in = ask_incident(officer, [sector_a])
    client.force_login(members[0])
    assert "Answer: are you affected?" in client.get(check_in.carrier.get_absolute_url()).content.decode()
    client.force_login(officer)
    assert reverse("checkins:grid", args=[check_in.pk]) in client.get(
        check_in.carrier.get_absolute_url()).content.decode()
    # Once closed, nobody is asked to answer any more: the page says so and leads to the final tally.
    services.close_check_in(check_in, by=officer)
    for reader in (members[0], officer):
        client.force_login(reader)
        page = client.get(check_in.carrier.get_absolute_url()).content.decode()
        assert "This question closed on" in page and "Answer: are you affected?" not in page
        assert f'href="{check_in.get_absolute_url()}"' in page
