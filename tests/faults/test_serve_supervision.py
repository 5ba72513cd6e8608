"""hub.serve supervises its daphne processes: one killed with -9 is replaced while the others keep their sockets
and the port keeps accepting; SIGTERM stops everything with status 0; a crash loop gives up with status 1."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sectors.models import Sector
from tests.factories import member_of
from tests.faults.helpers import child_pids, free_port, healthz_status, wait_until
from tests.live.helpers import session_cookie_for
from tests.live.rawsocket import RawWebSocket
from tests.processes import BASE_DIR, process_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def start_serve(port: int, env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own launcher
        [sys.executable, "-m", "hub.serve", "--port", str(port), *extra], cwd=BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def stop(process: subprocess.Popen) -> list[int]:
    """SIGTERM the launcher and wait; the children it left running (each then killed, so that a failed test
    leaves nothing behind)."""
    children = child_pids(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    left = [pid for pid in children if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def socket_owners(port: int, sockets: list[RawWebSocket], pids: set[int]) -> dict[int, list[RawWebSocket]]:
    """Which daphne process holds the server end of each socket: the inode of the connection from the client's
    port to ``port`` (/proc/net/tcp) among each process's file descriptors."""
    inodes = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == port:
            inodes[int(remote.split(":")[1], 16)] = f"socket:[{inode}]"
    held = {}
    for pid in pids:
        targets = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                targets.add(os.readlink(fd))
            except OSError:
                continue
        held[pid] = targets
    owners: dict[int, list[RawWebSocket]] = {pid: [] for pid in pids}
    for client in sockets:
        inode = inodes[client.sock.getsockname()[1]]
        owner = next(pid for pid, targets in held.items() if inode in targets)
        owners[owner].append(client)
    return owners


def answers_ping(client: RawWebSocket) -> bool:
    try:
        client.send_text('{"type": "ping"}')
        return client.receive_json() == {"type": "pong"}
    except (OSError, AssertionError):
        return False


def listen_backlog(port: int) -> int | None:
    if shutil.which("ss") is None:
        return None
    lines = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True
                           ).stdout.split("\n")
    return int(lines[0].split()[2])  # Send-Q of a listening socket: its backlog


@pytest.fixture
def retail(db) -> Sector:
    return Sector.objects.get(slug="retail")


def test_a_killed_daphne_is_replaced_while_the_other_keeps_its_sockets_and_the_port_accepts(retail, private_redis):
    # Several members: one person may hold at most 10 sockets.
    cookies = [session_cookie_for(member_of(retail)).decode() for _ in range(3)]
    port = free_port()
    env = process_env(TASKS_BACKEND="immediate", REDIS_URL=private_redis.url, CHANNELS_PREFIX=private_redis.prefix)
    serve = start_serve(port, env, "--processes", "2")
    sockets: list[RawWebSocket] = []
    try:
        wait_until(lambda: healthz_status(port) == 200 and len(child_pids(serve.pid)) == 2, timeout=30,
                   message="hub.serve to answer with 2 children")

        # Open sockets until both processes hold some (the one that started first takes the early ones).
        children = child_pids(serve.pid)
        for index in range(24):
            client = RawWebSocket(port, headers={"Origin": f"http://127.0.0.1:{port}",
                                                 "Cookie": cookies[index % len(cookies)]})
            sockets.append(client)
            assert client.status == 101
            assert client.receive_json()["type"] == "hello"
            owners = socket_owners(port, sockets, children)
            if index >= 3 and all(owners.values()):
                break
            time.sleep(0.1)
        owners = socket_owners(port, sockets, children)
        assert all(owners.values()), "the kernel gave every socket to one process"
        victim, survivor = sorted(children, key=lambda pid: -len(owners[pid]))

        os.kill(victim, signal.SIGKILL)
        for client in owners[victim]:
            with pytest.raises(ConnectionError):
                client.receive_frame()
        # Today's launcher stopped the whole tier within half a second of one death: give it the chance.
        time.sleep(1.5)
        assert all(answers_ping(client) for client in owners[survivor]), "the surviving process lost its sockets"
        assert [healthz_status(port) for _ in range(10)] == [200] * 10

        wait_until(lambda: len(child_pids(serve.pid)) == 2, timeout=20, message="a replacement child")
        replaced = child_pids(serve.pid)
        assert survivor in replaced and victim not in replaced
        assert serve.poll() is None
        assert all(answers_ping(client) for client in owners[survivor])
    finally:
        for client in sockets:
            client.close()
        left = stop(serve)
    # SIGTERM (sent by stop()) is an orderly stop: status 0, every child gone with the launcher.
    assert serve.returncode == 0, serve.stderr.read()
    assert left == []


def test_a_crash_loop_gives_up_with_a_failure_status():
    # Children that cannot even load the project die at once, again and again.
    env = {**process_env(), "DJANGO_SETTINGS_MODULE": "hub.no_such_settings"}
    env.pop("REDIS_URL", None)
    serve = start_serve(free_port(), env, "--processes", "1", "--max-deaths", "2", "--within", "30")
    try:
        serve.wait(timeout=45)
    finally:
        stop(serve)
    assert serve.returncode == 1
    assert "crash loop" in serve.stderr.read()


def test_killing_the_launcher_takes_its_children_with_it():
    """Orphaned daphne processes would go on holding the port, unseen by whatever restarts the launcher."""
    port = free_port()
    env = process_env()
    env.pop("REDIS_URL", None)
    serve = start_serve(port, env, "--processes", "1")
    wait_until(lambda: len(child_pids(serve.pid)) == 1, timeout=10, message="the child")
    [child] = child_pids(serve.pid)
    try:
        serve.kill()
        serve.wait()
        wait_until(lambda: not _alive(child), timeout=15, message="the orphaned child to exit")
    finally:
        stop(serve)
        if _alive(child):
            os.kill(child, signal.SIGKILL)


def test_the_listen_backlog_is_large_enough_for_a_burst_of_connections():
    """A bench opens 10,000 sockets at once; 1,024 pending connections overflowed the queue."""
    port = free_port()
    env = process_env()
    env.pop("REDIS_URL", None)
    serve = start_serve(port, env, "--processes", "1")
    try:
        wait_until(lambda: _listening(port), timeout=10, message="the listening socket")
        backlog = listen_backlog(port)
        if backlog is None:
            pytest.skip("ss (iproute2) is not installed")
        assert backlog == 4096
    finally:
        stop(serve)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
