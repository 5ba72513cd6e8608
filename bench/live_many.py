"""10,000 live sockets: `python -m bench.live_many [sockets] [updates] [load_processes]` (10,000, 5, 4).

Opens N WebSockets as logged-in members of the transport sector (the seed puts 10,000 approved members there,
bench/seed.py) against 2 daphne processes, lets them sit idle, then publishes M bulletins to transport through
the publish service. It measures:

- connecting: how long until every socket is open and has its hello, and each socket's handshake + hello time;
- memory: each daphne process's resident memory (VmRSS) before any socket and with all of them open and idle,
  over the sockets that process holds (the kernel's established connections on the server's port, matched to
  the process's file descriptors);
- delivery: commit -> arrival per socket and bulletin, p50/p95/p99, and the share of N x M delivered;
- CPU: what the load processes used (their own getrusage) beside the daphne processes and Redis (/proc), while
  connecting and while the bulletins went out, so the results show whether the load generator kept up.

The load generator is several processes (multiprocessing, spawned), each with its own asyncio loop and a share
of the sockets, so that one client loop's queue does not become the latency being measured. The coordinator
(this process) publishes and tells them what to wait for; they send their arrivals back.
"""

import asyncio
import json
import multiprocessing
import resource
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

import websockets

from bench import procstat
from bench.common import (
    discard_bulletins,
    forget_sessions,
    percentiles,
    raise_file_limit,
    serving,
    session_keys,
    write_result,
)
from bench.env import DATABASES, setup_django
from bench.live_fanout import publish
from bench.seed import PUBLISH_SECTOR

SOCKETS = 10_000
UPDATES = 5
LOAD_PROCESSES = 4
# Handshakes in flight at once, over all load processes: as many as live_fanout's one client process. Connecting
# is bound by the server (about 20 ms of its CPU per socket), so more in flight only queue longer, past daphne's
# 5 s handshake timeouts (measured: 100 in flight lost 2% of the sockets to them).
CONNECT_IN_FLIGHT = 50
CONNECT_PAUSE = 0.25  # people arrive over time, not in one instant
OPEN_TIMEOUT = 60.0
CONNECT_PHASE_TIMEOUT = 1800.0  # 10,000 handshakes at ~20 ms of server CPU each, on 2 shared cores
IDLE_SETTLE = 10.0  # all open, nothing sent: connect-time work settles; the CPU then is what idle sockets cost
PUBLISH_INTERVAL = 2.0  # apart, so that one bulletin's fan-out (goal: p99 < 2 s) is mostly done before the next
WAIT_AFTER_LAST = 20.0
SERVER_PROCESSES = 2


# --- the load processes ------------------------------------------------------------------------------------


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def failure(error: BaseException) -> str:
    """A short, countable reason why a socket did not open (or closed early)."""
    if isinstance(error, websockets.InvalidStatus):  # daphne answers 403 when the consumer has not accepted in 5 s
        return f"HTTP {error.response.status_code}"
    if isinstance(error, websockets.InvalidMessage):  # closed before any HTTP answer: autobahn's handshake timeout
        return "dropped before the HTTP answer"
    if isinstance(error, websockets.ConnectionClosed):
        return f"closed {error.rcvd.code if error.rcvd else 'without a close frame'}"
    if isinstance(error, OSError) and error.errno is not None:
        return f"{type(error).__name__} errno {error.errno}"
    return type(error).__name__


class Load:
    """One load process's sockets: opening them, recording what arrives, closing them."""

    def __init__(self, url: str, session_keys: list[str], batch: int) -> None:
        self.url = url
        self.ws_url = url.replace("http://", "ws://") + "/ws/live/"
        self.session_keys = session_keys
        self.batch = batch
        self.sockets: list = []
        self.connect_ms: list[float] = []
        self.failures: Counter[str] = Counter()
        self.closed_early: Counter[str] = Counter()
        self.arrivals: dict[int, list[float]] = {}  # bulletin id -> arrival times (time.time(), one per socket)
        self.listeners: list[asyncio.Task] = []

    async def open_one(self, session_key: str) -> None:
        started = time.monotonic()
        try:
            # No client pings: browsers send none, and 10,000 of them would be load the server does not see.
            socket = await websockets.connect(self.ws_url, additional_headers={"Cookie": f"sessionid={session_key}"},
                                              origin=self.url, open_timeout=OPEN_TIMEOUT, max_queue=None,
                                              ping_interval=None)
        except Exception as error:  # counted and reported: the point is to see what fails at this scale
            self.failures[failure(error)] += 1
            return
        try:
            hello = json.loads(await asyncio.wait_for(socket.recv(), OPEN_TIMEOUT))
        except Exception as error:
            self.failures[failure(error)] += 1
            await socket.close()
            return
        if hello.get("type") != "hello":
            self.failures[f"first message {hello.get('type')}"] += 1
            await socket.close()
            return
        self.connect_ms.append((time.monotonic() - started) * 1000)
        self.sockets.append(socket)
        self.listeners.append(asyncio.create_task(self.listen(socket)))

    async def listen(self, socket) -> None:
        seen: set[int] = set()
        try:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") == "bulletin" and message["id"] not in seen:
                    seen.add(message["id"])
                    self.arrivals.setdefault(message["id"], []).append(time.time())
        except websockets.ConnectionClosed as closed:
            self.closed_early[failure(closed)] += 1

    async def open_all(self) -> None:
        keys = self.session_keys
        for start in range(0, len(keys), self.batch):
            await asyncio.gather(*(self.open_one(key) for key in keys[start:start + self.batch]))
            await asyncio.sleep(CONNECT_PAUSE)

    async def wait_for(self, bulletin_ids: list[int], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(
                len(self.arrivals.get(pk, [])) < len(self.sockets) for pk in bulletin_ids):
            await asyncio.sleep(0.1)

    async def close_all(self) -> None:
        for listener in self.listeners:
            listener.cancel()
        if self.sockets:  # all at once: one by one, each close handshake would wait for the previous one
            await asyncio.wait([asyncio.create_task(socket.close()) for socket in self.sockets], timeout=30)


async def drive(conn: Connection, url: str, keys: list[str], batch: int) -> None:
    """The commands from the coordinator, in order: open (at start), mark, collect, close. Each reply carries
    this process's CPU so far."""
    load = Load(url, keys, batch)
    await load.open_all()
    conn.send(("open", {"opened": len(load.sockets), "connect_ms": load.connect_ms,
                        "failures": dict(load.failures), "cpu": own_cpu()}))
    while True:
        command, *args = await asyncio.to_thread(conn.recv)  # the loop keeps serving the sockets meanwhile
        if command == "mark":
            conn.send(("mark", {"cpu": own_cpu()}))
        elif command == "collect":
            await load.wait_for(*args)
            conn.send(("collected", {"arrivals": load.arrivals, "closed_early": dict(load.closed_early),
                                     "cpu": own_cpu()}))
        elif command == "close":
            await load.close_all()
            conn.send(("closed", {"cpu": own_cpu()}))
            return


def load_process(conn: Connection, url: str, keys: list[str], batch: int) -> None:
    asyncio.run(drive(conn, url, keys, batch))


# --- the coordinator ---------------------------------------------------------------------------------------


class Loads:
    """The load processes, driven in lock step."""

    def __init__(self, url: str, sessions: list[str], processes: int) -> None:
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no Django, no inherited connections
        self.pipes: list[Connection] = []
        self.processes = []
        for index in range(processes):
            ours, theirs = context.Pipe()
            batch = max(1, CONNECT_IN_FLIGHT // processes)
            process = context.Process(target=load_process, args=(theirs, url, sessions[index::processes], batch),
                                      name=f"bench-load-{index}", daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def replies(self, expected: str, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        answers = []
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise RuntimeError(f"{process.name} did not answer '{expected}' within {timeout:.0f} s")
            try:
                kind, data = pipe.recv()
            except EOFError:
                process.join(timeout=5)
                raise RuntimeError(f"{process.name} died (exit code {process.exitcode}) before '{expected}'") from None
            if kind != expected:
                raise RuntimeError(f"{process.name} answered {kind!r}, not {expected!r}")
            answers.append(data)
        return answers

    def ask(self, command: tuple, expected: str, timeout: float) -> list[dict]:
        for pipe in self.pipes:
            pipe.send(command)
        return self.replies(expected, timeout)

    def stop(self, wait: float) -> None:
        """`wait`: seconds to let them finish (after "close"); 0 when the run failed and they wait for nothing."""
        for process in self.processes:
            process.join(timeout=wait)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


def member_sessions(count: int) -> list[str]:
    """Approved members of the sector the bulletins go to: every one of them is a recipient."""
    from accounts.models import User

    members = (User.objects.filter(memberships__sector__slug=PUBLISH_SECTOR, memberships__status="approved",
                                   is_active=True).order_by("pk")[:count])
    return session_keys(members)


class ServerWatch:
    """The daphne processes (and Redis, for context): CPU at each mark, memory and sockets per process."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.daphnes = procstat.daphne_pids()
        if len(self.daphnes) != SERVER_PROCESSES:
            raise RuntimeError(f"expected {SERVER_PROCESSES} daphne processes, found {self.daphnes}")
        self.redis = procstat.pids_named("redis-server")

    def processes(self) -> list[procstat.Sample]:
        self.check()
        connections = procstat.established_inodes(self.port)
        return [procstat.sample(pid, self.port, connections) for pid in self.daphnes]

    def check(self) -> None:
        """hub.serve restarts a daphne process that dies: then the figures would mix two processes. Say so."""
        now = procstat.daphne_pids()
        if now != self.daphnes:
            raise RuntimeError(f"daphne processes {self.daphnes} are now {now}: one died (see var/bench/server.log)")

    def cpu(self) -> dict[str, float]:
        self.check()
        return {"server": procstat.cpu_total(self.daphnes), "redis": procstat.cpu_total(self.redis)}


def memory(before: list[procstat.Sample], idle: list[procstat.Sample]) -> list[dict]:
    rows = []
    for first, then in zip(before, idle, strict=True):
        grown = then.rss_kib - first.rss_kib
        rows.append({"sockets": then.sockets, "rss_before_kib": first.rss_kib, "rss_idle_kib": then.rss_kib,
                     "kib_per_socket": grown / then.sockets if then.sockets else float("nan")})
    return rows


def cpu_phase(load_start: list[dict], load_end: list[dict], server_start: dict, server_end: dict,
              seconds: float) -> dict:
    return {"seconds": seconds, "load": sum(e["cpu"] - s["cpu"] for s, e in zip(load_start, load_end, strict=True)),
            **{name: server_end[name] - server_start[name] for name in server_start}}


def latencies(published: list[tuple[int, float]], collected: list[dict]) -> list[float]:
    committed = dict(published)
    return [(arrived - committed[pk]) * 1000 for answer in collected for pk, times in answer["arrivals"].items()
            if pk in committed for arrived in times]


def progress(message: str) -> None:
    print(f"live_many: {message}", flush=True)


def run(url: str, sessions: list[str], updates: int, load_processes: int) -> dict:
    watch = ServerWatch(urlsplit(url).port)
    before, server_cpu = watch.processes(), [watch.cpu()]
    published: list[tuple[int, float]] = []  # (bulletin id, commit time)
    started = time.monotonic()
    loads = Loads(url, sessions, load_processes)
    finished = False
    try:
        opened = loads.replies("open", CONNECT_PHASE_TIMEOUT)
        connect_seconds = time.monotonic() - started
        server_cpu.append(watch.cpu())
        progress(f"{sum(a['opened'] for a in opened)}/{len(sessions)} sockets open in {connect_seconds:.0f} s")
        time.sleep(IDLE_SETTLE)
        idle = watch.processes()
        marked = loads.ask(("mark",), "mark", 60)
        server_cpu.append(watch.cpu())
        idle_seconds = time.monotonic() - started - connect_seconds
        publishing = time.monotonic()
        for n in range(updates):
            published.append(publish(f"Many sockets {n} at {time.time():.0f}", PUBLISH_SECTOR))
            time.sleep(PUBLISH_INTERVAL)
        collected = loads.ask(("collect", [pk for pk, _ in published], WAIT_AFTER_LAST), "collected",
                              WAIT_AFTER_LAST + 120)
        server_cpu.append(watch.cpu())
        publish_seconds = time.monotonic() - publishing
        loads.ask(("close",), "closed", 120)
        finished = True
    finally:
        loads.stop(wait=30 if finished else 0)
        discard_bulletins([pk for pk, _ in published])  # keep the data set reusable, whatever happened

    open_count = sum(answer["opened"] for answer in opened)
    samples = latencies(published, collected)
    return {
        "sockets": len(sessions), "opened": open_count, "updates": len(published), "load_processes": load_processes,
        "connect_seconds": connect_seconds,
        **{f"connect_{k}": v for k, v in percentiles([ms for a in opened for ms in a["connect_ms"]]).items()},
        "connect_failures": dict(sum((Counter(a["failures"]) for a in opened), Counter())),
        "closed_early": dict(sum((Counter(a["closed_early"]) for a in collected), Counter())),
        "delivered": len(samples), "expected": len(sessions) * len(published),
        "share": len(samples) / (len(sessions) * len(published)) if published else 0.0,
        **{f"latency_{k}": v for k, v in percentiles(samples).items()},
        "latency_max": max(samples, default=float("nan")),
        "memory": memory(before, idle),
        "cpu_connect": cpu_phase([{"cpu": 0.0}] * load_processes, opened, server_cpu[0], server_cpu[1],
                                 connect_seconds),
        "cpu_idle": cpu_phase(opened, marked, server_cpu[1], server_cpu[2], idle_seconds),
        "cpu_publish": cpu_phase(marked, collected, server_cpu[2], server_cpu[3], publish_seconds),
    }


def report_line(result: dict) -> str:
    memory_text = ", ".join(f"{row['sockets']} sockets {row['kib_per_socket']:.1f} KiB each"
                            for row in result["memory"])
    connect, publish_cpu = result["cpu_connect"], result["cpu_publish"]
    parts = [
        f"live, many sockets: {result['opened']}/{result['sockets']} open in {result['connect_seconds']:.0f} s "
        f"(handshake + hello p50 {result['connect_p50']:.0f} ms, p99 {result['connect_p99']:.0f} ms)",
        f"{result['updates']} updates: {result['delivered']}/{result['expected']} delivered, "
        f"p50 {result['latency_p50']:.0f} ms, p95 {result['latency_p95']:.0f} ms, p99 {result['latency_p99']:.0f} ms",
        f"memory per idle socket: {memory_text}",
        f"CPU s load / daphne / redis: connecting {connect['load']:.1f} / {connect['server']:.1f} / "
        f"{connect['redis']:.1f}, publishing {publish_cpu['load']:.1f} / {publish_cpu['server']:.1f} / "
        f"{publish_cpu['redis']:.1f}",
    ]
    if result["connect_failures"]:
        parts.append(f"failed to open: {result['connect_failures']}")
    if result["closed_early"]:
        parts.append(f"closed early: {result['closed_early']}")
    return "; ".join(parts)


def main() -> None:
    sockets = int(sys.argv[1]) if len(sys.argv) > 1 else SOCKETS
    updates = int(sys.argv[2]) if len(sys.argv) > 2 else UPDATES
    load_processes = int(sys.argv[3]) if len(sys.argv) > 3 else LOAD_PROCESSES
    raise_file_limit()  # the load processes and the server inherit it
    setup_django(DATABASES["big"])
    sessions = member_sessions(sockets)
    progress(f"{len(sessions)} members logged in")
    if len(sessions) < sockets:
        raise SystemExit(f"only {len(sessions)} members of {PUBLISH_SECTOR} to log in: seed the big data set")
    try:
        with serving(DATABASES["big"], processes=SERVER_PROCESSES) as url:
            result = run(url, sessions, updates, load_processes)
    finally:
        forget_sessions(sessions)
    print(report_line(result), flush=True)
    write_result("live-many", result)


if __name__ == "__main__":
    main()
