"""Thread titles, display names and moderators' reasons reach notification texts: escaped wherever they show
(the bell, the notifications page, the dashboard, the forum page's markers and level control)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from messaging.board import services as board
from notifications import services
from notifications.models import Level, Notification
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", CORPUS)
def test_xss_corpus_through_notification_texts(client, people, forums, moderator, payload,
                                               django_capture_on_commit_callbacks):
    get_user_model().objects.filter(pk=moderator.pk).update(display_name=payload[:80])
    moderator.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        thread = board.start_thread(forums.a, author=people.member_a, title=payload[:200], body="x")
        board.approve_thread(thread, by=moderator)
        services.set_thread_level(people.lead_a, thread, Level.WATCHING)
        first = board.reply(thread, author=people.lead_a, body="Seen it.")
        board.reply(thread, author=moderator, body=f"> [quote={first.pk}]\n\n@Lead_A {payload}")
        rejected = board.start_thread(forums.a, author=people.member_a, title=payload[:200], body="y")
        board.reject_thread(rejected, by=moderator, reason=payload)
    assert Notification.objects.filter(user=people.member_a).count() >= 3
    assert Notification.objects.filter(user=people.lead_a).exists()
    for person in (people.member_a, people.lead_a):
        client.force_login(person)
        for url in [reverse("notifications:list"), reverse("dashboard"), forums.a.get_absolute_url(),
                    thread.get_absolute_url()]:
            response = client.get(url)
            assert response.status_code == 200, url
            assert executable_markup(response.content.decode()) == [], url
        bell = client.get(reverse("notifications:bell")).content.decode()
        assert executable_markup(bell, allowed_tags=frozenset()) == []
