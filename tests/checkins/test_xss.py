"""The XSS corpus through a check-in's question, answer labels and notes: on every page that shows them (the
check-in, the incident room, the inbox, the carrier bulletin, the link's confirmation, the officers' grid and a
cell's list), in the e-mail (plain text only) and in the toast's payload (plain strings and our own paths;
live.js sets them as text)."""

import pytest
from django.core import mail
from django.urls import reverse

from messaging.bulletins import transport
from messaging.checkins import links, services
from tests.checkins.asking import ask_incident
from tests.factories import OrganisationFactory, member_of
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _emails_sent_at_once(settings):
    """The fan-out runs at the commit (the PostgreSQL run queues it in the database by default)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.parametrize("evil", CORPUS)
def test_the_corpus_never_runs(client, officer, sector_a, evil, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(transport, "group_send", lambda group, message: sent.append(message))
    member = member_of(sector_a, organisation=OrganisationFactory(name=f"Org {evil[:60]}"))
    choices = [services.ChoiceSpec(evil[:80]), services.ChoiceSpec("Safe answer", True)]
    check_in = ask_incident(officer, [sector_a], question=evil[:300], choices=choices,
                            capture=django_capture_on_commit_callbacks)
    evil_choice = check_in.choices.first()
    services.answer(check_in, member.organisation, evil_choice, evil, None, member)

    client.force_login(member)
    token = links.make_token(check_in.pk, member.pk, evil_choice.pk, links.expiry_of(check_in))
    pages = [check_in.get_absolute_url(), f"{reverse('checkins:answer', args=[check_in.pk])}?choice={evil_choice.pk}",
             check_in.incident.get_absolute_url(), reverse("checkins:incident_part", args=[check_in.incident_id]),
             reverse("bulletins:inbox"), check_in.carrier.get_absolute_url()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert executable_markup(response.content.decode()) == [], url
    client.logout()
    confirmation = client.get(reverse("checkins:answer_link", args=[token]))
    assert executable_markup(confirmation.content.decode()) == []
    client.force_login(officer)
    grid = reverse("checkins:grid", args=[check_in.pk])
    for url in [check_in.get_absolute_url(), check_in.incident.get_absolute_url(), check_in.carrier.get_absolute_url(),
                grid, f"{grid}?fragment=grid", f"{grid}?sector={sector_a.pk}&borough=none"]:
        assert executable_markup(client.get(url).content.decode()) == [], url

    for message in mail.outbox:
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", None)
    payload = next(m["bulletin"] for m in sent if m["type"] == "live.bulletin")
    for button in payload["check_in"]["choices"]:
        assert isinstance(button["label"], str) and button["url"].startswith("/checkins/")
