"""A moderator's decision stands, and says so, when the mail server refuses the author's e-mail."""

from unittest import mock

import pytest
from django.urls import reverse

from accounts import roles
from messaging.board import services
from messaging.board.models import Thread
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_approving_a_thread_while_the_mail_server_refuses_answers_and_keeps_the_decision(
        client, people, forums, django_capture_on_commit_callbacks):
    roles.make_moderator(people.moderator_a, forums.a)
    moderator = people.moderator_a
    waiting = services.start_thread(forums.a, author=people.member_a, title="Van parked again", body="Blue van.")
    client.force_login(moderator)
    refused = mock.Mock(side_effect=ConnectionRefusedError("the mail server is down"))
    with mock.patch("messaging.board.services.send_mail", refused), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("board:thread_approve", args=[waiting.pk]))
    assert refused.called
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Thread.Status.APPROVED
    assert Notification.objects.filter(user=people.member_a).exists()
