"""What /healthz asks: does the database answer, does the channel layer carry a message."""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _round_trip(timeout: float) -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("the channel layer returned a different message")


def check_channel_layer(timeout: float = 2.0) -> None:
    async_to_sync(_round_trip)(timeout)


CHECKS = {"database": check_database, "channel_layer": check_channel_layer}


def run_checks() -> dict[str, str]:
    """Each check's outcome: "ok", or the error it raised (its class and message)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"; say which
            # Details go to the log, not to whoever asks /healthz.
            logger.warning("healthz: %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = "error"
        else:
            results[name] = "ok"
    return results
