"""Live updates survive a Redis outage and a killed daphne: a real daphne process (hub.serve) on a Redis of the
test's own; bulletins are published by another process, as a web request or the scheduler would. Every one
reaches the member once, in order: live during and after the outage, by replay after the process was killed."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from messaging.bulletins.models import Bulletin
from sectors.models import Sector
from tests.factories import member_of, officer_user
from tests.faults.helpers import child_pids, free_port, requires_postgresql, wait_until
from tests.live.helpers import session_cookie_for
from tests.live.rawsocket import RawWebSocket
from tests.processes import BASE_DIR, manage, process_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PUBLISH = """
from accounts.models import User
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from sectors.models import Sector
officer = User.objects.get(pk={officer})
bulletin = Bulletin.objects.create(title={title!r}, body="Live during an outage.", author=officer)
bulletin.sectors.set([Sector.objects.get(slug="retail")])
services.publish_bulletin(bulletin, by=officer)
"""


def publish_from_another_process(env: dict[str, str], officer_pk: int, title: str) -> Bulletin:
    """Publish as a web process would, with the channel layer of ``env``: answers even when Redis is down."""
    done = subprocess.run(manage("shell", "-c", PUBLISH.format(officer=officer_pk, title=title)),  # noqa: S603
                          cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return Bulletin.objects.get(title=title)


def bulletins_received(client: RawWebSocket, count: int, *, timeout: float) -> list[dict]:
    received = []
    deadline = time.monotonic() + timeout
    while len(received) < count:
        assert time.monotonic() < deadline, f"got {received}, waited for {count}"
        message = client.receive_json()
        if message["type"] == "bulletin":
            received.append(message)
    return received


@pytest.fixture
def retail(db) -> Sector:
    return Sector.objects.get(slug="retail")


def test_bulletins_published_while_redis_is_down_and_after_it_returns_reach_an_open_socket_once(
        retail, private_redis):
    requires_postgresql()
    member, officer = member_of(retail), officer_user()
    cookie = session_cookie_for(member).decode()
    port = free_port()
    env = process_env(TASKS_BACKEND="immediate", REDIS_URL=private_redis.url, CHANNELS_PREFIX=private_redis.prefix,
                      LIVE_STREAM_POLL_SECONDS="0.5")
    server = subprocess.Popen([sys.executable, "-m", "hub.serve", "--processes", "1", "--port", str(port)],  # noqa: S603
                              cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = None
    try:
        wait_until(lambda: _accepts(port), timeout=30, message="daphne to listen")
        client = RawWebSocket(port, headers={"Origin": f"http://127.0.0.1:{port}", "Cookie": cookie}, timeout=15)
        assert client.receive_json()["type"] == "hello"

        private_redis.stop()
        during = [publish_from_another_process(env, officer.pk, f"During the outage {n}") for n in (1, 2)]
        received = bulletins_received(client, 2, timeout=10)
        assert [m["id"] for m in received] == [b.pk for b in during]

        private_redis.start()
        after = publish_from_another_process(env, officer.pk, "After the outage")
        received = bulletins_received(client, 1, timeout=10)
        assert [m["id"] for m in received] == [after.pk]
        assert [json.loads(m["cursor"]) for m in received] == [after.sequence]
        client.sock.settimeout(1.5)
        with pytest.raises(TimeoutError):
            client.receive_frame()  # nothing twice
    finally:
        if client is not None:
            client.close()
        server.terminate()
        server.wait(timeout=15)


def test_a_bulletin_published_while_the_sockets_daphne_was_killed_is_replayed_once_on_reconnect(
        retail, private_redis):
    requires_postgresql()
    member, officer = member_of(retail), officer_user()
    cookie = session_cookie_for(member).decode()
    port = free_port()
    env = process_env(TASKS_BACKEND="immediate", REDIS_URL=private_redis.url, CHANNELS_PREFIX=private_redis.prefix)
    server = subprocess.Popen([sys.executable, "-m", "hub.serve", "--processes", "1", "--port", str(port)],  # noqa: S603
                              cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    headers = {"Origin": f"http://127.0.0.1:{port}", "Cookie": cookie}
    client = None
    try:
        wait_until(lambda: len(child_pids(server.pid)) == 1 and _accepts(port), timeout=30, message="daphne")
        client = RawWebSocket(port, headers=headers, timeout=15)
        cursor = client.receive_json()["cursor"]

        (daphne,) = child_pids(server.pid)
        os.kill(daphne, signal.SIGKILL)
        with pytest.raises(ConnectionError):
            client.receive_frame()
        missed = publish_from_another_process(env, officer.pk, "While the socket's process was dead")

        # live.js reconnects (hub.serve has started another daphne) and asks for what came after its cursor.
        wait_until(lambda: child_pids(server.pid) - {daphne} and _accepts(port), timeout=30, message="a new daphne")
        client = RawWebSocket(port, headers=headers, timeout=15)
        assert client.receive_json()["type"] == "hello"
        client.send_text(json.dumps({"type": "replay", "since": cursor}))
        assert [client.receive_json() for _ in range(2)] == [
            client_payload(missed), {"type": "replayed", "count": 1, "complete": True}]
    finally:
        if client is not None:
            client.close()
        server.terminate()
        server.wait(timeout=15)


def client_payload(bulletin: Bulletin) -> dict:
    from messaging.bulletins.payloads import bulletin_payload

    return json.loads(json.dumps(bulletin_payload(bulletin)))


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True
