"""Shared by the live tests: publishing through the real service, and opening sockets the two ways a test can
(straight to the consumer, or through the whole ASGI stack with a browser's headers and session cookie)."""

from types import SimpleNamespace

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client

from hub.asgi import application
from messaging.bulletins import services
from messaging.bulletins.consumers import LiveConsumer
from messaging.bulletins.models import Bulletin
from tests.factories import BulletinFactory, officer_user

# What a browser on http://localhost sends with the handshake (the Origin check compares scheme, host, port).
SITE_HOST = b"localhost"
SITE_ORIGIN = b"http://localhost"


def publish(*, title: str, body: str = "Expect disruption around Oxford Street from noon.", sectors=(),
            boroughs=(), everyone: bool = False, sensitive: bool = False, incident=None, by=None) -> Bulletin:
    """Compose and publish a bulletin through the real publish service (deliveries, e-mail, live push)."""
    bulletin = BulletinFactory(
        title=title, body=body, author=by or officer_user(), everyone=everyone, incident=incident,
        marking=Bulletin.Marking.OFFICIAL_SENSITIVE if sensitive else Bulletin.Marking.OFFICIAL,
        sectors=list(sectors), boroughs=list(boroughs),
    )
    services.publish_bulletin(bulletin, by=bulletin.author)
    bulletin.refresh_from_db()
    return bulletin


def signed_in_client(user) -> Client:
    """A test client signed in as ``user`` the way the login form leaves a session: logged in, and for someone
    with a second factor, that factor recorded as used in this session (allauth's authentication records, which
    accounts.mfa asks of every role holder's session, on pages and on the socket)."""
    client = Client()
    client.force_login(user)
    authenticator = Authenticator.objects.filter(user_id=user.pk).exclude(
        type=Authenticator.Type.RECOVERY_CODES).first()
    if authenticator is not None:
        session = client.session
        record_authentication(SimpleNamespace(session=session), user, "mfa", id=authenticator.pk,
                              type=authenticator.type)
        session.save()
    return client


def signed_in_session(user) -> SessionBase:
    return signed_in_client(user).session


async def connect(user) -> WebsocketCommunicator:
    """A socket straight to the consumer with the user (and a fresh signed-in session of theirs) already
    resolved, as the auth stack would leave them (the stack itself is tested through full_stack_socket)."""
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    communicator.scope["user"] = user if user is not None else AnonymousUser()
    if user is not None:
        communicator.scope["session"] = await sync_to_async(signed_in_session)(user)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def hello(communicator) -> dict:
    message = await communicator.receive_json_from(timeout=3)
    assert message["type"] == "hello"
    return message


async def assert_closed_with(communicator, code: int) -> None:
    output = await communicator.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": code}


def session_cookie_for(user) -> bytes:
    """A fresh signed-in session of ``user`` (its own session key), as a Cookie header value."""
    client = signed_in_client(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def client_with(cookie: bytes) -> Client:
    """A test client speaking for the session in ``cookie``."""
    client = Client()
    name, value = cookie.decode().split("=", 1)
    client.cookies[name] = value
    return client


def browser_headers(cookie: bytes | None = None, *, host: bytes = SITE_HOST, origin: bytes = SITE_ORIGIN
                    ) -> list[tuple[bytes, bytes]]:
    headers = [(b"host", host), (b"origin", origin)]
    return [*headers, (b"cookie", cookie)] if cookie else headers


async def full_stack_socket(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    """A socket through ``hub.asgi.application``: Origin check, session cookie, routing, consumer."""
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


async def open_full_stack(cookie: bytes) -> WebsocketCommunicator:
    """A logged-in browser's socket, open and greeted."""
    socket = await full_stack_socket(browser_headers(cookie))
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=3))["type"] == "hello"
    return socket
