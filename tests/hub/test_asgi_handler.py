"""Pages served through the portal's ASGI application (hub.asgi, as daphne serves them): the middleware chain and
the view run in the request's own thread, with no round trip through the event loop between them
(hub.handlers), and the chain still does all its work: the session's user, the refusals, the headers."""

import pytest
from asgiref import sync
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.conf import settings
from django.urls import reverse

from hub.asgi import application
from messaging.board.models import Forum
from tests.conftest import TwoFactorClient

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def event_loop_hops(monkeypatch) -> list[str]:
    """What sync code asked the event loop to run (async_to_sync), by name."""
    hops: list[str] = []
    original = sync.AsyncToSync.__call__

    def counting(self, *args, **kwargs):
        hops.append(getattr(self.awaitable, "__qualname__", repr(self.awaitable)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sync.AsyncToSync, "__call__", counting)
    return hops


def session_cookie(user) -> bytes:
    client = TwoFactorClient()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def get(path: str, cookie: bytes | None = None) -> dict:
    headers = [(b"host", b"localhost")] + ([(b"cookie", cookie)] if cookie else [])
    response = await HttpCommunicator(application, "GET", path, headers=headers).get_response(timeout=10)
    response["headers"] = {name.decode().lower(): value.decode() for name, value in response["headers"]}
    return response


async def test_a_members_page_is_served_without_a_round_trip_through_the_event_loop(people, sector_a,
                                                                                      event_loop_hops):
    forum = await sync_to_async(Forum.objects.get)(sector=sector_a)
    response = await get(forum.get_absolute_url(), await sync_to_async(session_cookie)(people.member_a))
    assert response["status"] == 200
    assert forum.name in response["body"].decode()
    assert response["headers"]["cache-control"] == "private, no-store"  # the chain's own work is done
    assert "content-security-policy" in response["headers"]
    assert event_loop_hops == []


async def test_refusals_and_redirects_come_through_the_chain(people, sector_a, sector_b):
    forum_b = await sync_to_async(Forum.objects.get)(sector=sector_b)
    refused = await get(forum_b.get_absolute_url(), await sync_to_async(session_cookie)(people.member_a))
    assert refused["status"] == 403
    assert "content-security-policy" in refused["headers"]
    anonymous = await get(forum_b.get_absolute_url())
    assert anonymous["status"] == 302
    assert anonymous["headers"]["location"].startswith(reverse(settings.LOGIN_URL))
    missing = await get("/no-such-page/")
    assert missing["status"] == 404
