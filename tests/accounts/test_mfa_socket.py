"""The live socket applies the pages' two-factor session rule (LiveConsumer asks accounts.mfa.two_factor_satisfied
with the socket's session): a role holder's session that has not completed a second factor gets no feed,
whatever authenticators the account holds."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from hub.asgi import application
from tests.conftest import TwoFactorClient
from tests.factories import officer_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLOSE_FORBIDDEN = 4403


def cookie_for(user, *, two_factor: bool) -> bytes:
    client = TwoFactorClient()
    client.force_login(user, two_factor=two_factor)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def open_socket(cookie: bytes) -> WebsocketCommunicator:
    headers = [(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", cookie)]
    socket = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket


async def test_a_role_holders_password_only_session_gets_no_feed():
    officer = await sync_to_async(officer_user)()
    socket = await open_socket(await sync_to_async(cookie_for)(officer, two_factor=False))
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    await socket.disconnect()


async def test_a_role_holders_confirmed_session_gets_the_feed():
    officer = await sync_to_async(officer_user)()
    socket = await open_socket(await sync_to_async(cookie_for)(officer, two_factor=True))
    hello = await socket.receive_json_from(timeout=3)
    assert hello["type"] == "hello" and hello["officer"] is True
    await socket.disconnect()
