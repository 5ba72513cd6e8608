"""Answering an invitation: from the e-mail's signed link (GET changes nothing, POST does; expired, tampered,
someone else's, cancelled), from the call's page, and delegating only within the invitee's organisation."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from messaging.bridge import links, services
from messaging.bridge.models import Invitation
from tests.bulletins.pages import once_token
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def link_for(user, choice="accept") -> str:
    message = next(m for m in mail.outbox if m.to == [user.email])
    url = re.search(rf"(http\S+/bridge/rsvp/\S+/\?choice={choice})", message.body).group(1)
    return url.split("127.0.0.1:8000", 1)[1]


def once_field(page: str) -> str:
    return re.search(r'name="rsvp_once" value="([^"]+)"', page).group(1)


@pytest.fixture
def call(schedule, sector_a, reps):
    return schedule(sectors=[sector_a])


def test_following_the_link_shows_the_choice_and_changes_nothing(call, reps):
    client = Client()
    response = client.get(link_for(reps["rita"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="accepted"' in page and "checked" in page
    assert "Cora Colleague" in page  # a delegate may be chosen from the organisation
    assert "Cathy Camden" not in page  # and only from it
    assert Invitation.objects.get(call=call, user=reps["rita"]).response == "pending"


def test_confirming_on_the_page_records_the_answer_once(call, reps, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    url = link_for(reps["rita"])
    page = client.get(url).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"csrfmiddlewaretoken": csrf, "rsvp_once": once_field(page), "response": "accepted"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    invitation = Invitation.objects.get(call=call, user=reps["rita"])
    assert invitation.response == "accepted" and invitation.responded_by == reps["rita"]
    assert AuditEntry.objects.filter(action="bridge_call.respond").count() == 1
    again = client.post(url, data)  # the same page sent twice
    assert again.status_code == 302
    assert AuditEntry.objects.filter(action="bridge_call.respond").count() == 1


def test_a_post_without_the_csrf_token_is_refused(call, reps):
    client = Client(enforce_csrf_checks=True)
    url = link_for(reps["rita"])
    page = client.get(url).content.decode()
    assert client.post(url, {"rsvp_once": once_field(page), "response": "declined"}).status_code == 403
    assert Invitation.objects.get(call=call, user=reps["rita"]).response == "pending"


def test_the_deputy_may_answer_for_the_invitee_from_their_own_link(call, reps):
    client = Client()
    url = link_for(reps["dave"], "decline")
    page = client.get(url).content.decode()
    assert "as the deputy of Rita Retail" in page
    client.post(url, {"rsvp_once": once_field(page), "response": "declined"})
    invitation = Invitation.objects.get(call=call, user=reps["rita"])
    assert invitation.response == "declined" and invitation.responded_by == reps["dave"]


def test_an_expired_link_says_so(call, reps):
    url = link_for(reps["rita"])
    later = call.ends_at + timedelta(hours=1, minutes=1)
    with mock.patch("messaging.bridge.links.timezone.now", return_value=later):
        response = Client().get(url)
    assert response.status_code == 410 and "This link has expired" in response.content.decode()


def test_a_tampered_link_says_so(call, reps):
    url = link_for(reps["rita"])
    token = url.split("/bridge/rsvp/")[1].split("/")[0]
    other = links.make_token(Invitation.objects.get(call=call, user=reps["cathy"]).pk, reps["rita"].pk,
                             links.expiry_of(call))
    forged = other.rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]
    for bad in (token[:-3] + "abc", forged, "x" * 500, "nonsense"):
        response = Client().get(reverse("bridge:rsvp_link", args=[bad]))
        assert response.status_code == 400 and "This link does not work" in response.content.decode()


def test_a_different_signed_in_person_is_refused(client, call, reps):
    client.force_login(reps["cathy"])
    response = client.get(link_for(reps["rita"]))
    assert response.status_code == 403 and "This link is for someone else" in response.content.decode()
    assert client.post(link_for(reps["rita"]), {"response": "declined"}).status_code == 403
    assert Invitation.objects.get(call=call, user=reps["rita"]).response == "pending"


def test_the_link_of_a_cancelled_call_says_it_was_cancelled(call, officer, reps, committed):
    url = link_for(reps["rita"])
    committed(services.cancel_call, call, by=officer, reason="The march was called off")
    response = Client().get(url)
    page = response.content.decode()
    assert response.status_code == 410 and "This call was cancelled" in page and "The march was called off" in page


def test_delegating_to_a_colleague_sends_them_the_invitation(call, reps, django_capture_on_commit_callbacks):
    client = Client()
    url = link_for(reps["rita"], "delegate")
    page = client.get(url).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"rsvp_once": once_field(page), "response": "delegated",
                          "delegate": reps["colleague"].pk})
    invitation = Invitation.objects.get(call=call, user=reps["rita"])
    assert invitation.response == "delegated" and invitation.delegate == reps["colleague"]
    message, = mail.outbox
    assert message.to == [reps["colleague"].email] and "123456" in message.body
    assert "/bridge/rsvp/" not in message.body  # the delegate does not answer for the invitee


def test_a_delegate_from_another_organisation_is_refused_with_a_clear_message(call, reps):
    client = Client()
    url = link_for(reps["rita"], "delegate")
    page = client.get(url).content.decode()
    response = client.post(url, {"rsvp_once": once_field(page), "response": "delegated",
                                 "delegate": reps["barry"].pk})
    assert response.status_code == 200
    assert "Choose an approved member of your organisation as the delegate." in response.content.decode()
    with pytest.raises(services.BridgeCallError, match="not of your organisation"):
        services.respond(Invitation.objects.get(call=call, user=reps["rita"]), by=reps["rita"],
                         response="delegated", delegate=reps["barry"])
    assert Invitation.objects.get(call=call, user=reps["rita"]).response == "pending"


def test_a_delegate_who_is_not_an_approved_member_is_refused(call, reps):
    outsider = member_of(organisation=reps["shop"], display_name="Not Approved")
    with pytest.raises(services.BridgeCallError, match="not an approved member"):
        services.respond(Invitation.objects.get(call=call, user=reps["rita"]), by=reps["rita"],
                         response="delegated", delegate=outsider)


def test_answering_on_the_calls_page(client, call, reps, officer, django_capture_on_commit_callbacks):
    client.force_login(reps["cathy"])
    page_url = reverse("bridge:detail", args=[call.pk])
    action = reverse("bridge:rsvp", args=[call.pk])
    token = once_token(client.get(page_url).content.decode(), action)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, {"response": "accepted", "once_token": token})
    assert response.status_code == 302
    assert Invitation.objects.get(call=call, user=reps["cathy"]).response == "accepted"
    client.force_login(officer)
    page = client.get(page_url).content.decode()
    assert "1 accepted" in page and "1 not answered" in page


def test_a_delegate_choice_without_a_person_comes_back_beside_the_field(client, call, reps):
    client.force_login(reps["rita"])
    action = reverse("bridge:rsvp", args=[call.pk])
    token = once_token(client.get(reverse("bridge:detail", args=[call.pk])).content.decode(), action)
    response = client.post(action, {"response": "delegated", "once_token": token})
    assert response.status_code == 200 and "Choose who will join in your place." in response.content.decode()


def test_nobody_else_may_answer(call, reps):
    with pytest.raises(services.BridgeCallError):
        services.respond(Invitation.objects.get(call=call, user=reps["rita"]), by=reps["cathy"], response="accepted")


def test_an_ended_call_cannot_be_answered(call, reps):
    type(call).objects.filter(pk=call.pk).update(starts_at=timezone.now() - timedelta(hours=3),
                                                 ends_at=timezone.now() - timedelta(hours=2))
    with pytest.raises(services.BridgeCallError, match="ended"):
        services.respond(Invitation.objects.get(call=call, user=reps["rita"]), by=reps["rita"], response="accepted")
