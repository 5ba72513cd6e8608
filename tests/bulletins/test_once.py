"""A publishing form acts once, however often it is sent: a double click, a resent page, a retried request.

Each form render carries a one-time token (common.once); the second submit of one render is told so and nothing
more is done."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from common import once
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery, Incident
from tests.bulletins.pages import once_token
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db

ALREADY = "already sent"


def _messages(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


@pytest.fixture
def incident(officer, sector_a) -> Incident:
    return services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[], by=officer)


def test_a_double_clicked_incident_update_is_published_once(client, officer, audience, incident, committed):
    client.force_login(officer)
    action = reverse("bulletins:incident_update", args=[incident.pk])
    token = once_token(client.get(incident.get_absolute_url()).content.decode(), action)
    data = {"update-title": "Cordon on Dean Street", "update-body": "Avoid the area.", "update-severity": "warning",
            "update-marking": "official", once.FIELD: token}
    first = committed(client.post, action, data)
    second = committed(client.post, action, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == incident.get_absolute_url()
    assert ALREADY in _messages(second)
    (update,) = incident.updates.all()
    recipients = {audience["retail_westminster"].pk, audience["retail_camden"].pk}
    assert sorted(Delivery.objects.filter(bulletin=update).values_list("user_id", flat=True)) == sorted(recipients)
    assert len(mail.outbox) == len(recipients)
    assert AuditEntry.objects.filter(action="bulletin.publish").count() == 1


def test_resolving_twice_sends_one_final_update(client, officer, audience, incident, committed):
    client.force_login(officer)
    action = reverse("bulletins:incident_resolve", args=[incident.pk])
    token = once_token(client.get(incident.get_absolute_url()).content.decode(), action)
    for _ in range(2):
        response = committed(client.post, action, {"resolve-body": "All clear.", once.FIELD: token})
    assert ALREADY in _messages(response)
    assert incident.updates.count() == 1 and len(mail.outbox) == 2


def test_publish_and_schedule_act_once(client, officer, audience, sector_a, committed):
    bulletin = BulletinFactory(title="Road closed", author=officer, sectors=[sector_a])
    client.force_login(officer)
    publish = reverse("bulletins:publish", args=[bulletin.pk])
    token = once_token(client.get(publish).content.decode())  # the confirmation page's
    committed(client.post, publish, {once.FIELD: token})
    response = committed(client.post, publish, {once.FIELD: token})
    assert ALREADY in _messages(response) and "already been published" not in _messages(response)
    assert Delivery.objects.filter(bulletin=bulletin).count() == 2 and len(mail.outbox) == 2

    draft = BulletinFactory(title="March", author=officer, sectors=[sector_a])
    schedule = reverse("bulletins:schedule", args=[draft.pk])
    token = once_token(client.get(draft.get_absolute_url()).content.decode(), schedule)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(schedule, {"when": when, once.FIELD: token})
    response = client.post(schedule, {"when": when, once.FIELD: token})
    assert ALREADY in _messages(response)
    assert AuditEntry.objects.filter(action="bulletin.schedule").count() == 1


def test_a_new_draft_is_saved_once(client, officer, sector_a):
    client.force_login(officer)
    url = reverse("bulletins:create")
    token = once_token(client.get(url).content.decode())
    data = {"kind": "advice", "severity": "info", "title": "Lock your doors", "body": "Thefts rising.",
            "marking": "official", "sectors": [sector_a.pk], once.FIELD: token}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("bulletins:officer_list")
    assert ALREADY in _messages(response)
    assert Bulletin.objects.filter(title="Lock your doors").count() == 1


def test_a_form_with_errors_comes_back_with_a_token_that_still_works(client, officer, sector_a):
    client.force_login(officer)
    url = reverse("bulletins:create")
    token = once_token(client.get(url).content.decode())
    data = {"kind": "advice", "severity": "info", "title": "Lock your doors", "body": "Thefts rising.",
            "marking": "official", once.FIELD: token}
    page = client.post(url, data).content.decode()  # no audience: the form comes back
    assert "Choose at least one sector" in page
    response = client.post(url, {**data, "sectors": [sector_a.pk], once.FIELD: once_token(page)})
    assert response.status_code == 302
    assert Bulletin.objects.filter(title="Lock your doors").count() == 1


@pytest.mark.parametrize("token", [None, "", "forged", "1:abc:def"])
def test_without_a_token_from_this_session_nothing_is_published_and_nothing_typed_is_lost(client, officer,
                                                                                           audience, incident, token):
    client.force_login(officer)
    action = reverse("bulletins:incident_update", args=[incident.pk])
    data = {"update-title": "Cordon on Dean Street", "update-body": "Avoid the area.", "update-severity": "warning",
            "update-marking": "official"}
    if token is not None:
        data[once.FIELD] = token
    response = client.post(action, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "nothing was done yet" in page and "Cordon on Dean Street" in page and "Avoid the area." in page
    assert not incident.updates.exists()
    # The form came back with a fresh token: sending it again publishes.
    response = client.post(action, {**data, once.FIELD: once_token(page)})
    assert response.status_code == 302 and incident.updates.count() == 1


def test_a_submit_whose_action_failed_can_be_sent_again(client, officer, audience, incident, monkeypatch):
    client.force_login(officer)
    action = reverse("bulletins:incident_update", args=[incident.pk])
    token = once_token(client.get(incident.get_absolute_url()).content.decode(), action)
    data = {"update-title": "Cordon", "update-body": "Avoid.", "update-severity": "warning",
            "update-marking": "official", once.FIELD: token}
    real = services.post_incident_update

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "post_incident_update", broken)
    client.raise_request_exception = False
    assert client.post(action, data).status_code == 500
    monkeypatch.setattr(services, "post_incident_update", real)
    response = client.post(action, data)
    assert response.status_code == 302 and ALREADY not in _messages(response)
    assert incident.updates.count() == 1


def test_another_users_token_is_refused(client, officer, people, audience, incident):
    client.force_login(people.officer)
    action = reverse("bulletins:incident_update", args=[incident.pk])
    token = once_token(client.get(incident.get_absolute_url()).content.decode(), action)
    client.force_login(officer)
    client.post(action, {"update-title": "Cordon", "update-body": "Avoid.", "update-severity": "warning",
                         "update-marking": "official", once.FIELD: token})
    assert not incident.updates.exists()
