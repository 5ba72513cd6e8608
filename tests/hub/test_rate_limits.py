"""Writing is limited per user; the limit says so clearly, keeps the input and answers 429."""

import pytest
from django.urls import reverse

from accounts import roles
from common.ratelimits import LIMITED_MESSAGE
from messaging.board import services
from messaging.board.models import Forum, Report, Thread
from messaging.bulletins import services as bulletin_services
from messaging.bulletins.models import Feedback
from sectors.models import Membership, Sector
from tests.factories import BulletinFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _low_limits(settings):
    settings.RATE_LIMITS = {"thread": "2/h", "post": "2/h", "report": "2/h", "apply": "2/h"}


def test_thread_limit(client, people, sector_a):
    forum = Forum.objects.get(sector=sector_a)
    client.force_login(people.member_a)
    url = reverse("board:thread_create", args=[forum.slug])
    for n in range(2):
        assert client.post(url, {"title": f"Thread {n}", "body": "x"}).status_code == 302
    response = client.post(url, {"title": "One too many", "body": "Keep me"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Please wait a few minutes" in page and "One too many" in page and "Keep me" in page
    assert Thread.objects.count() == 2
    # Limits are per user: a colleague can still post.
    client.force_login(people.lead_a)
    assert client.post(url, {"title": "Mine", "body": "x"}).status_code == 302


def test_reply_limit(client, people, sector_a):
    thread = services.start_thread(Forum.objects.get(sector=sector_a), author=people.officer, title="T", body="x")
    client.force_login(people.member_a)
    url = reverse("board:reply", args=[thread.pk])
    for n in range(2):
        assert client.post(url, {"body": f"Reply {n}"}).status_code == 302
    response = client.post(url, {"body": "Reply kept"})
    assert response.status_code == 429 and "Reply kept" in response.content.decode()
    assert LIMITED_MESSAGE.split(".")[0] in response.content.decode()


def test_report_limit(client, people, sector_a):
    roles.make_moderator(people.moderator_a, Forum.objects.get(sector=sector_a))
    thread = services.start_thread(Forum.objects.get(sector=sector_a), author=people.officer, title="T", body="x")
    posts = [services.reply(thread, author=people.lead_a, body=f"p{n}") for n in range(3)]
    client.force_login(people.member_a)
    for post in posts[:2]:
        assert client.post(reverse("board:post_report", args=[post.pk]), {"reason": "spam"}).status_code == 302
    response = client.post(reverse("board:post_report", args=[posts[2].pk]), {"reason": "more spam"})
    assert response.status_code == 429 and "more spam" in response.content.decode()
    assert Report.objects.count() == 2


def test_apply_limit(client, verified_user):
    verified_user.organisation = OrganisationFactory()
    verified_user.save()
    client.force_login(verified_user)
    sectors = list(Sector.objects.all()[:3])
    for sector in sectors[:2]:
        response = client.post(reverse("sectors:apply"), {"sectors": [sector.pk], "statement": "We run shops here."})
        assert response.status_code == 302
    response = client.post(reverse("sectors:apply"), {"sectors": [sectors[2].pk], "statement": "We run shops here."})
    assert response.status_code == 429
    assert Membership.objects.filter(user=verified_user).count() == 2


def test_feedback_counts_as_posting(client, people, sector_a, django_capture_on_commit_callbacks):
    bulletin = BulletinFactory(title="To retail", author=people.officer, sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        bulletin_services.publish_bulletin(bulletin, by=people.officer)
    client.force_login(people.member_a)
    url = reverse("bulletins:feedback", args=[bulletin.pk])
    for n in range(2):
        assert client.post(url, {"body": f"Feedback {n}"}).status_code == 302
    response = client.post(url, {"body": "Feedback kept"})
    assert response.status_code == 429 and "Feedback kept" in response.content.decode()
    assert Feedback.objects.count() == 2
