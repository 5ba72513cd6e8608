"""Live fan-out benchmark: `python -m bench.live_fanout [clients] [updates]` (defaults 2,000 and 5).

Opens N WebSocket clients as real logged-in retail members against 2 daphne processes on the Redis channel
layer, publishes M bulletins to retail through the publish service, and measures, per client, the time from
the publish transaction's commit to the bulletin's arrival: p50/p95/p99 and the share delivered. First it runs
the machine's floor (bench/floor.py) with the same N and M, and records both and the ratios portal / floor.
"""

import asyncio
import json
import sys
import time

import websockets

from bench import floor
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

CONNECT_BATCH = 50
CONNECT_PAUSE = 0.25
WAIT_AFTER_LAST = 10.0


def member_sessions(count: int) -> list[str]:
    from accounts.models import User

    return session_keys(User.objects.filter(memberships__sector__slug="retail", memberships__status="approved")
                        .order_by("pk")[:count])


def publish(title: str, sector: str = "retail") -> tuple[int, float]:
    from django.db import transaction

    from accounts.models import User
    from messaging.bulletins import services
    from messaging.bulletins.models import Bulletin
    from sectors.models import Sector

    officer = User.objects.get(email="bench-officer@bench.example")
    committed = {}
    with transaction.atomic():
        bulletin = Bulletin.objects.create(title=title, body="Live fan-out benchmark.", author=officer)
        bulletin.sectors.set([Sector.objects.get(slug=sector)])
        # Registered first, so it runs first at commit: the moment the broadcast starts.
        transaction.on_commit(lambda: committed.setdefault("at", time.time()))
        services.publish_bulletin(bulletin, by=officer)
    return bulletin.pk, committed["at"]


async def run(url: str, sessions: list[str], updates: int) -> dict:
    ws_url = url.replace("http://", "ws://") + "/ws/live/"
    arrivals: dict[int, list[float]] = {}
    sockets = []

    async def open_one(session_key: str):
        socket = await websockets.connect(ws_url, additional_headers={"Cookie": f"sessionid={session_key}"},
                                          origin=url, open_timeout=60, max_queue=None)
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello", hello
        return socket

    started = time.monotonic()
    for i in range(0, len(sessions), CONNECT_BATCH):
        sockets += await asyncio.gather(*(open_one(key) for key in sessions[i:i + CONNECT_BATCH]))
        await asyncio.sleep(CONNECT_PAUSE)  # people arrive over time, not in one instant
    connect_seconds = time.monotonic() - started


    async def listen(socket) -> None:
        try:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") == "bulletin":
                    arrivals.setdefault(message["id"], []).append(time.time())
        except websockets.ConnectionClosed:
            pass

    listeners = [asyncio.create_task(listen(socket)) for socket in sockets]
    published = []
    for n in range(updates):
        published.append(await asyncio.to_thread(publish, f"Live fan-out {n} at {time.time():.0f}"))
        await asyncio.sleep(1.0)
    deadline = time.monotonic() + WAIT_AFTER_LAST
    while time.monotonic() < deadline and any(len(arrivals.get(pk, [])) < len(sockets) for pk, _ in published):
        await asyncio.sleep(0.2)
    for socket in sockets:
        await socket.close()
    for listener in listeners:
        listener.cancel()

    latencies = [(arrived - at) * 1000 for pk, at in published for arrived in arrivals.get(pk, [])]
    for n, (pk, at) in enumerate(published):
        each = percentiles([(arrived - at) * 1000 for arrived in arrivals.get(pk, [])])
        print(f"update {n + 1}: commit -> arrival p50 {each['p50']:.0f} ms, p99 {each['p99']:.0f} ms", flush=True)
    expected = len(sockets) * len(published)
    return {"clients": len(sockets), "updates": len(published), "connect_seconds": connect_seconds,
            "delivered": len(latencies), "expected": expected, "share": len(latencies) / expected,
            **{f"latency_{k}": v for k, v in percentiles(latencies).items()}, "bulletins": [pk for pk, _ in published]}


def against_floor(result: dict, floor_result: dict | None) -> dict:
    """The portal's percentiles over the floor's, measured in the same run with the same clients and updates."""
    if floor_result is None:
        return {"floor": None}
    return {"floor": floor_result, **{f"ratio_{q}": result[f"latency_{q}"] / max(floor_result[f"latency_{q}"], 1.0)
                                      for q in ("p50", "p95", "p99")}}


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    updates = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    raise_file_limit()
    # Right before the portal, with nothing of ours running: the same clients and updates on plain websockets.
    floor_result = floor.measure(clients, updates)
    setup_django(DATABASES["big"])
    sessions = member_sessions(clients)
    try:
        with serving(DATABASES["big"]) as url:
            result = asyncio.run(run(url, sessions, updates))
        discard_bulletins(result.pop("bulletins"))  # keep the data set reusable
    finally:
        forget_sessions(sessions)
    result.update(against_floor(result, floor_result))
    print(f"live fan-out: {result['clients']} clients x {result['updates']} updates, "
          f"{result['share']:.1%} delivered, p50 {result['latency_p50']:.0f} ms, p95 {result['latency_p95']:.0f} ms, "
          f"p99 {result['latency_p99']:.0f} ms (commit -> arrival)", flush=True)
    if floor_result is not None:
        print(f"portal / floor: p50 {result['ratio_p50']:.1f}x, p99 {result['ratio_p99']:.1f}x "
              "(the floor times publish -> arrival)", flush=True)
    write_result("live", result)


if __name__ == "__main__":
    main()
