"""The socket as the server puts it on the wire: the Origin check of the ASGI stack, and a real daphne
process started the way `make serve-prod` starts it (hub.serve), where close codes are decided."""

import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from asgiref.sync import sync_to_async

from common.frames import text_frame
from messaging.bulletins.consumers import CLOSE_TOO_BIG, MAX_CLIENT_MESSAGE
from sectors.models import Sector
from tests.factories import member_of
from tests.live.helpers import full_stack_socket, publish, session_cookie_for
from tests.live.rawsocket import RawWebSocket
from tests.processes import BASE_DIR, process_env

live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def retail(db) -> Sector:
    return Sector.objects.get(slug="retail")


# The Origin check ----------------------------------------------------------------------------------------------


async def _handshake(cookie: bytes, *, host: bytes, origin: bytes | None, extra=()) -> bool:
    headers = [(b"host", host), (b"cookie", cookie), *([(b"origin", origin)] if origin is not None else []), *extra]
    communicator = await full_stack_socket(headers)
    connected, _ = await communicator.connect()
    if connected:
        assert (await communicator.receive_json_from(timeout=3))["type"] == "hello"
        await communicator.disconnect()
    return connected


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize(("origin", "accepted"), [
    (b"http://127.0.0.1:8000", True),
    (b"http://127.0.0.1:9", False),          # same host, another port: another site
    (b"https://127.0.0.1:8000", False),      # another scheme
    (b"http://127.0.0.1", False),            # port 80
    (b"http://localhost:8000", False),       # allowed host, but not the one this page was served from
    (b"http://evil.example:8000", False),
    (b"null", False),
    (None, False),                           # browsers always send one; refuse clients that hide it
])
async def test_the_origin_must_be_the_pages_own_scheme_host_and_port(retail, origin, accepted):
    cookie = await sync_to_async(session_cookie_for)(await sync_to_async(member_of)(retail))
    assert await _handshake(cookie, host=b"127.0.0.1:8000", origin=origin) is accepted


@pytest.mark.asyncio
@live_db
async def test_a_page_on_https_behind_a_proxy_is_its_own_origin_only_when_the_proxy_is_trusted(retail, settings):
    """Behind a TLS proxy daphne sees ws:// and the public Host: the page's https origin is its own only when
    SECURE_PROXY_SSL_HEADER trusts the proxy's X-Forwarded-Proto, or when it is listed (CSRF_TRUSTED_ORIGINS,
    SITE_URL), and then exactly, port included."""
    cookie = await sync_to_async(session_cookie_for)(await sync_to_async(member_of)(retail))
    settings.ALLOWED_HOSTS = ["hub.example.org"]
    public = b"https://hub.example.org"
    forwarded = [(b"x-forwarded-proto", b"https")]
    assert not await _handshake(cookie, host=b"hub.example.org", origin=public, extra=forwarded)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert await _handshake(cookie, host=b"hub.example.org", origin=public, extra=forwarded)
    assert not await _handshake(cookie, host=b"hub.example.org", origin=b"https://hub.example.org:8443",
                                extra=forwarded)
    del settings.SECURE_PROXY_SSL_HEADER
    settings.CSRF_TRUSTED_ORIGINS = ["https://hub.example.org"]
    assert await _handshake(cookie, host=b"hub.example.org", origin=public)
    assert not await _handshake(cookie, host=b"hub.example.org", origin=b"https://hub.example.org:8443")
    settings.SITE_URL = "https://portal.example.org"
    assert await _handshake(cookie, host=b"hub.example.org", origin=b"https://portal.example.org")
    assert not await _handshake(cookie, host=b"hub.example.org", origin=b"https://evil.example.org")


@pytest.mark.asyncio
@live_db
async def test_a_host_outside_allowed_hosts_is_not_its_own_origin(retail, settings):
    cookie = await sync_to_async(session_cookie_for)(await sync_to_async(member_of)(retail))
    assert not await _handshake(cookie, host=b"evil.example", origin=b"http://evil.example")


# A real daphne -----------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def serve_prod(transactional_db):
    """`python -m hub.serve --processes 1`: the launcher of `make serve-prod`, on the test database. Its live
    stream reads the database every half second: a bulletin this test process publishes reaches it whether or
    not the two share a channel layer (on SQLite each has its own, in memory)."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own launcher
        [sys.executable, "-m", "hub.serve", "--processes", "1", "--port", str(port)], cwd=BASE_DIR,
        env=process_env(TASKS_BACKEND="immediate", LIVE_STREAM_POLL_SECONDS="0.5"), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("hub.serve did not start") from None
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=15)


@live_db
def test_a_3kB_frame_closes_with_1009_on_a_real_daphne(retail, serve_prod):
    member = member_of(retail)
    cookie = session_cookie_for(member).decode()
    host = f"127.0.0.1:{serve_prod}"
    client = RawWebSocket(serve_prod, headers={"Origin": f"http://{host}", "Cookie": cookie})
    try:
        assert client.status == 101
        assert client.receive_json()["type"] == "hello"
        client.send_text('{"type": "ping", "pad": "' + "x" * 3000 + '"}')
        assert client.close_code() == CLOSE_TOO_BIG
    finally:
        client.close()
    # A message at the limit is still answered.
    client = RawWebSocket(serve_prod, headers={"Origin": f"http://{host}", "Cookie": cookie})
    try:
        assert client.receive_json()["type"] == "hello"
        frame = '{"type": "ping", "pad": ""}'
        client.send_text(frame[:-2] + "x" * (MAX_CLIENT_MESSAGE - len(frame)) + '"}')
        assert client.receive_json() == {"type": "pong"}
    finally:
        client.close()


@live_db
def test_bulletins_reach_a_real_daphne_socket_as_well_formed_frames(retail, serve_prod):
    """Under daphne the stream writes the frame it built once (common.frames) straight to each connection."""
    member = member_of(retail)
    client = RawWebSocket(serve_prod, headers={"Origin": f"http://127.0.0.1:{serve_prod}",
                                               "Cookie": session_cookie_for(member).decode()})
    try:
        assert client.receive_json()["type"] == "hello"
        short = publish(title="Short", body="Road closed.", sectors=[retail])
        long = publish(title="Long " + "x" * 190, body="Closed " * 100, sectors=[retail])
        received = [client.receive_json() for _ in range(2)]
        assert [(m["id"], m["title"]) for m in received] == [(short.pk, short.title), (long.pk, long.title)]
        client.send_text('{"type": "ping"}')
        assert client.receive_json() == {"type": "pong"}  # the connection's own frames still line up
    finally:
        client.close()


def test_a_text_frame_says_its_length_the_way_rfc_6455_does():
    cases = [(5, b"\x81\x05"), (126, b"\x81\x7e\x00\x7e"), (70000, b"\x81\x7f" + (70000).to_bytes(8, "big"))]
    for length, header in cases:
        frame = text_frame("é" * (length // 2) + "x" * (length % 2))
        assert frame.startswith(header) and len(frame) == len(header) + length
