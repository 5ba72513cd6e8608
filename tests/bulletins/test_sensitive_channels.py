"""OFFICIAL-SENSITIVE never leaves the portal in clear: every channel out of it (e-mail subject and body, the live
toast over a socket and in a replay, the CAP document, the delivery report's CSV, the calendar and Atom feeds)
is walked with a sensitive bulletin whose title, body, place and incident are distinctive strings, and fails if
any of them appears; each says SENSITIVE_PLACEHOLDER instead. The same walk with an OFFICIAL bulletin finds the
title in every channel, so the walk looks where the content would be."""

import csv
import io
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from messaging.bulletins import partners, selectors, services
from messaging.bulletins.models import SENSITIVE_PLACEHOLDER, Bulletin, PartnerToken
from messaging.bulletins.payloads import make_cursor
from tests.factories import BulletinFactory, OrganisationFactory, member_of, officer_user
from tests.live.helpers import connect, hello

TITLE = "Kestrel Quokka title marker"
BODY = "Ocelot body marker"
LOCATION = "Narwhal Wharf location marker"
INCIDENT = "Tapir incident marker"
REPLY_ANSWER = "Axolotl answer marker"
MARKERS = (TITLE, BODY, LOCATION, INCIDENT, REPLY_ANSWER)
MARKINGS = [Bulletin.Marking.OFFICIAL_SENSITIVE, Bulletin.Marking.OFFICIAL]


def publish_marked(marking: str, *, sector, borough, officer) -> Bulletin:
    """A pre-planned event on an incident, with every kind of content a channel could leak."""
    incident = services.open_incident(title=INCIDENT, sectors=[sector], boroughs=[], by=officer)
    bulletin = BulletinFactory(
        title=TITLE, body=f"Intelligence: **{BODY}** near the venue.", location=LOCATION, marking=marking,
        kind=Bulletin.Kind.PRE_PLANNING, severity=Bulletin.Severity.WARNING, ack_requested=True,
        starts_at=timezone.now() + timedelta(days=2), ends_at=timezone.now() + timedelta(days=2, hours=3),
        author=officer, sectors=[sector], boroughs=[borough], incident=incident,
    )
    services.publish_bulletin(bulletin, by=officer)
    bulletin.refresh_from_db()
    return bulletin


def check(channel: str, text: str, marking: str) -> None:
    if marking == Bulletin.Marking.OFFICIAL_SENSITIVE:
        leaked = [marker for marker in MARKERS if marker in text]
        assert not leaked, f"{channel} leaks {leaked}"
        assert SENSITIVE_PLACEHOLDER in text, f"{channel} does not say {SENSITIVE_PLACEHOLDER!r}"
    else:
        assert TITLE in text, f"{channel}: the walk does not look where the title would be"


def email_texts(messages) -> list[str]:
    """Each message's subject, text body and any HTML alternative, as one text."""
    return ["\n".join([message.subject, message.body,
                       *(str(content) for content, _ in getattr(message, "alternatives", []))])
            for message in messages]


@pytest.mark.django_db
@pytest.mark.parametrize("marking", MARKINGS)
def test_every_channel_out_of_the_portal(client, marking, sector_a, westminster, committed, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    officer = officer_user()
    member = member_of(sector_a, organisation=OrganisationFactory(boroughs=[westminster]), display_name="Mo Member")
    bulletin = committed(publish_marked, marking, sector=sector_a, borough=westminster, officer=officer)

    # E-mail: the bulletin's own, then the answer to a member's reply about it.
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    check("the e-mail", email_texts([message])[0], marking)
    assert (message.subject == "[The Hub] " + SENSITIVE_PLACEHOLDER) == bulletin.is_sensitive
    feedback = services.leave_feedback(bulletin, user=member, body="Noted")
    mail.outbox.clear()
    committed(services.answer_feedback, feedback, by=officer, answer=f"{REPLY_ANSWER}: see {TITLE}")
    [answer] = email_texts(mail.outbox)
    leaked = [marker for marker in MARKERS if marker in answer]
    assert not leaked if bulletin.is_sensitive else REPLY_ANSWER in answer, leaked

    # The live toast's payload, as a replay hands it out (the socket itself: the async test below).
    [payload] = selectors.replay_for(member, 0, not_before=timezone.now() - timedelta(hours=1))
    check("the replayed toast", json.dumps(payload), marking)

    # CAP 1.2: for an officer and for a partner system.
    client.force_login(officer)
    cap = client.get(reverse("bulletins:cap", args=[bulletin.pk]))
    assert cap.status_code == 200
    check("the CAP document", cap.content.decode(), marking)
    key = partners.create_token(PartnerToken(name="Partner"), by=officer)
    client.logout()
    cap = client.get(reverse("bulletins:cap", args=[bulletin.pk]), headers={"authorization": f"Bearer {key}"})
    check("the partner's CAP document", cap.content.decode(), marking)

    # The delivery report's CSV.
    client.force_login(officer)
    export = client.get(reverse("bulletins:report", args=[bulletin.pk]), {"format": "csv"}).content.decode()
    check("the CSV export", export, marking)
    rows = list(csv.DictReader(io.StringIO(export)))
    assert rows and {row["bulletin"] for row in rows} == {bulletin.title_outside}

    # The feeds (messaging.feeds): the member's calendar and Atom feed, read by an app that holds the URL.
    feeds = pytest.importorskip("messaging.feeds.services")
    token = feeds.token_for(member).key
    client.logout()
    ics = client.get(reverse("feeds:events", args=[token]))
    assert ics.status_code == 200
    check("the calendar feed", ics.content.decode().replace("\r\n ", ""), marking)  # unfolded
    atom = client.get(reverse("feeds:bulletins", args=[token]))
    assert atom.status_code == 200
    check("the Atom feed", atom.content.decode(), marking)

    # On the portal, for someone who may read it, it is all there (that is where it may be read).
    client.force_login(member)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert all(marker in page for marker in (TITLE, BODY, LOCATION))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_live_toast_over_a_socket_and_its_replay_carry_the_placeholder_only():
    from sectors.models import Borough, Sector

    retail = await sync_to_async(Sector.objects.get)(slug="retail")
    westminster = await sync_to_async(Borough.objects.get)(slug="westminster")
    officer = await sync_to_async(officer_user)()
    organisation = await sync_to_async(OrganisationFactory)(boroughs=[westminster])
    member = await sync_to_async(member_of)(retail, organisation=organisation)
    socket = await connect(member)
    cursor = (await hello(socket))["cursor"]

    bulletin = await sync_to_async(publish_marked)(Bulletin.Marking.OFFICIAL_SENSITIVE, sector=retail,
                                                   borough=westminster, officer=officer)
    live = await socket.receive_json_from(timeout=3)
    assert live["id"] == bulletin.pk
    await socket.disconnect()

    again = await connect(member)
    await hello(again)
    await again.send_json_to({"type": "replay", "since": cursor or make_cursor(0)})
    replayed = await again.receive_json_from(timeout=3)
    assert replayed["id"] == bulletin.pk
    await again.disconnect()

    for channel, payload in (("the live toast", live), ("the replayed toast", replayed)):
        check(channel, json.dumps(payload), Bulletin.Marking.OFFICIAL_SENSITIVE)
        assert payload["title"] == SENSITIVE_PLACEHOLDER and payload["sensitive"] is True
        assert not {"summary", "kind", "kind_label", "severity_label", "incident_title"} & set(payload), channel
        assert payload["url"] == bulletin.get_absolute_url()
