"""What /healthz asks: does the database answer, does the channel layer carry a message, each within a bound.

Each check runs in a thread of its own and the probe waits for all of them together for at most ``TIMEOUT``
seconds: a stalled database or Redis (a connect that hangs, a query that waits on a lock) answers "timeout"
instead of holding the probe for as long as the stall lasts. A check still stuck from an earlier probe is not
started again (that would pile up threads and connections on the stall): it answers "timeout" at once. Probes
arriving together share one run of each check.
"""

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable

import redis
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, connections, transaction

logger = logging.getLogger(__name__)

# Seconds the whole probe may take; load balancers commonly give up after 5.
TIMEOUT = 2.0
DATABASE_PROBE = "SELECT 1"

OK, ERROR, TIMED_OUT = "ok", "error", "timeout"


def check_database(timeout: float) -> None:
    if connection.vendor == "postgresql":
        # The server gives up on the query too, so a stalled one does not keep its connection (and a place in
        # the pool) long after the probe answered. set_config(..., true) lasts only for this transaction.
        with transaction.atomic(), connection.cursor() as cursor:
            # A little longer than the probe waits, so a stall reads "timeout", not the server's cancellation.
            limit_ms = int(timeout * 1000) + 500
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(limit_ms)])
            cursor.execute(DATABASE_PROBE)
            cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(DATABASE_PROBE)
            cursor.fetchone()


async def _round_trip(timeout: float) -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("the channel layer returned a different message")


def _redis_round_trip(url: str, prefix: str, timeout: float) -> None:
    """A message through Redis pub/sub, as the layer carries them, on a connection of the check's own that is
    closed (subscription and all) when it returns. Not through channels_redis: its receive loop sleeps 100 ms
    before a new subscription is served, which made /healthz cost twenty times what it checks."""
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        _publish_and_receive(client, pubsub, prefix, timeout)
    except redis.TimeoutError as stalled:  # a Redis that accepts and never answers: "timeout", not "error"
        raise TimeoutError from stalled
    finally:
        pubsub.close()
        client.close()


def _publish_and_receive(client: redis.Redis, pubsub, prefix: str, timeout: float) -> None:
    channel = f"{prefix}.healthz.{uuid.uuid4().hex}"
    pubsub.subscribe(channel)
    client.publish(channel, b"ping")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=max(deadline - time.monotonic(), 0))
        if message is not None:
            if message["data"] != b"ping":
                raise RuntimeError("Redis returned a different message")
            return
    raise TimeoutError


def check_channel_layer(timeout: float) -> None:
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    hosts = config.get("hosts")
    if not hosts:  # the in-memory layer, on an event loop of the check's own
        asyncio.run(asyncio.wait_for(_round_trip(timeout), timeout))
        return
    host = hosts[0]
    url = host["address"] if isinstance(host, dict) else host
    if not isinstance(url, str):  # a (host, port) pair
        url = f"redis://{url[0]}:{url[1]}"
    _redis_round_trip(url, config.get("prefix", "asgi"), timeout)


CHECKS: dict[str, Callable[[float], None]] = {"database": check_database, "channel_layer": check_channel_layer}

_running: dict[str, threading.Thread] = {}
_running_lock = threading.Lock()


class _Check(threading.Thread):
    def __init__(self, name: str, check: Callable[[float], None], timeout: float) -> None:
        super().__init__(name=f"healthz-{name}", daemon=True)
        self.check_name, self.check, self.timeout = name, check, timeout
        self.outcome: str | None = None
        self.started_at = time.monotonic()

    def run(self) -> None:
        try:
            self.check(self.timeout)
        except TimeoutError:
            logger.warning("healthz: %s did not answer within %g s", self.check_name, self.timeout)
            self.outcome = TIMED_OUT
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"; say which
            # Details go to the log, not to whoever asks /healthz.
            logger.warning("healthz: %s failed: %s: %s", self.check_name, type(exc).__name__, exc)
            self.outcome = ERROR
        else:
            self.outcome = OK
        finally:
            # This thread's own database connection: give it back now (to the pool, or close it).
            connections.close_all()


def run_checks(timeout: float = TIMEOUT) -> dict[str, str]:
    """Each check's outcome: "ok", "error" (it failed; the log says how) or "timeout" (no answer in time)."""
    waiting: dict[str, _Check] = {}
    results = {}
    with _running_lock:
        now = time.monotonic()
        for name, check in CHECKS.items():
            current = _running.get(name)
            if current is not None and current.is_alive():
                if now - current.started_at >= timeout:
                    logger.warning("healthz: %s is still stuck since an earlier probe", name)
                    results[name] = TIMED_OUT
                else:
                    waiting[name] = current  # a concurrent probe's check: share its answer
                continue
            waiting[name] = _running[name] = _Check(name, check, timeout)
            waiting[name].start()
    deadline = time.monotonic() + timeout
    for name, thread in waiting.items():
        thread.join(max(deadline - time.monotonic(), 0))
        if thread.is_alive() or thread.outcome is None:
            logger.warning("healthz: %s did not answer within %g s", name, timeout)
            results[name] = TIMED_OUT
        else:
            results[name] = thread.outcome
    return {name: results[name] for name in CHECKS}
