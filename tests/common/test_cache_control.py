"""Pages for signed-in people are never kept by a browser or a proxy cache: `Cache-Control: private, no-store`
(OFFICIAL-SENSITIVE bulletins above all); public pages for visitors are left alone."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from common.middleware import PrivatePagesMiddleware
from messaging.board.models import Forum
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from tests.factories import BulletinFactory, UserFactory

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_signed_in_pages_are_private_and_not_stored(client, people, sector_a, django_capture_on_commit_callbacks):
    bulletin = BulletinFactory(title="Named premises", author=people.officer, sectors=[sector_a],
                               marking=Bulletin.Marking.OFFICIAL_SENSITIVE)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_bulletin(bulletin, by=people.officer)
    client.force_login(people.member_a)
    for url in [bulletin.get_absolute_url(), Forum.objects.get(sector=sector_a).get_absolute_url(),
                reverse("dashboard"), reverse("bulletins:inbox")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= _directives(response), url
    # Redirects and refusals for signed-in people too.
    assert {"private", "no-store"} <= _directives(client.get("/"))


def test_public_pages_for_visitors_are_unaffected(client):
    # (allauth's own pages, the login form among them, send never_cache whoever asks: that is theirs.)
    for url in ["/", reverse("sectors:directory")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in _directives(response) and "private" not in _directives(response), url


def test_a_views_own_cache_control_is_kept():
    request = RequestFactory().get("/")
    request.user = UserFactory()

    def view(request):
        response = HttpResponse("feed")
        response["Cache-Control"] = "private, max-age=300"
        return response

    assert PrivatePagesMiddleware(view)(request)["Cache-Control"] == "private, max-age=300"
