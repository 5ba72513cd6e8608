"""The live stream in one server process: every published bulletin, in sequence order, to the local sockets it
is addressed to.

Why one per process, and not one channel-layer subscription per socket: a bulletin to 2,000 sockets used to
cross the channel layer into 2,000 per-socket queues, wake 2,000 consumer tasks and be JSON-encoded 2,000 times.
Now each process holds ONE subscription (to ``STREAM_GROUP``), encodes the payload once and hands the same text
to every local socket whose reach receives it, as Phoenix PubSub and Discourse's MessageBus do. Notices about
one user (``live.refresh``: re-check your access; ``live.session_ended``) travel on the same subscription, and
sockets have no channel of their own: a notice sent before a bulletin is acted on (the socket's access re-read,
or the socket closed) before that bulletin is dispatched, because one process handles its stream's messages one
at a time, in the order Redis delivers them.

Why it cannot skip: bulletins are numbered in commit order (``Bulletin.sequence``, see ``services``), so the
stream knows what comes next. A number that arrives early (one went missing: Redis was down, or the process
that published died between its commit and its push) makes the stream read the missing ones from the database
first; and every ``POLL_SECONDS`` it asks the database where the stream stands, so a bulletin whose push never
arrives at all is delivered within that time, with Redis down or up. Bulletins read back from the database go
only to sockets whose user has a Delivery row for them (chosen by the audience rule at publish; officers read
everything): during a Redis outage a socket may not have heard of a revocation yet, but its user then has no
Delivery for what is published after it.
"""

import asyncio
import dataclasses
import json
import logging
import weakref
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from common.frames import text_frame
from messaging.bulletins import places
from messaging.bulletins.audience import Audience, audience_prefetch
from messaging.bulletins.models import Bulletin, Delivery, LiveStream
from messaging.bulletins.payloads import PAYLOAD_FIELDS, bulletin_payload

if TYPE_CHECKING:
    from messaging.bulletins.consumers import LiveConsumer

logger = logging.getLogger(__name__)

STREAM_GROUP = "live.stream"
CATCH_UP_BATCH = 200


def stream_message(bulletin: Bulletin) -> dict[str, Any]:
    """What crosses the channel layer for a published bulletin (its sectors and boroughs prefetched)."""
    return {"type": "live.bulletin", "sequence": bulletin.sequence, "bulletin": bulletin_payload(bulletin),
            "audience": Audience.of(bulletin).as_message(), "withdrawn": bulletin.is_withdrawn}


def announcement(audience: Audience, payload: dict[str, Any], *,
                 follow: dict[str, str] | None = None) -> dict[str, Any]:
    """What crosses the channel layer for news that is not a bulletin (a withdrawal, a bridge call scheduled or
    starting): the sockets the audience reaches are sent ``payload``. Not numbered and not replayed: what it
    announces is on the page the next time it loads. An audience of nobody (``Audience.chosen(everyone=False)``)
    reaches officers only.

    ``follow`` (a coalescing announcement's, with ``versions``): ``{"part": <part>, "counter": <cache key>}``, a
    version counter in the cache that goes on counting changes which announce nothing themselves; each process
    reads it at the end of every second of the key's coalescing and tells its sockets when it has moved
    (``ProcessStream._flush_coalesced``). It stays on the server: sockets are sent the payload only."""
    message = {"type": "live.announce", "audience": audience.as_message(), "payload": payload}
    if follow is not None:
        message["follow"] = follow
    return message


def withdrawal_message(bulletin: Bulletin) -> dict[str, Any]:
    """When a published bulletin is withdrawn: who may hear of it, and what the page is told (its id and URL: the
    page fetches nothing, it only marks what it shows of it)."""
    return announcement(Audience.of(bulletin),
                        {"type": "withdrawn", "id": bulletin.pk, "url": bulletin.get_absolute_url()})


def current_position() -> int:
    """The sequence number of the last committed publish."""
    return LiveStream.objects.filter(pk=1).values_list("last_sequence", flat=True).first() or 0


def published_after(position: int, *, up_to: int) -> list[dict[str, Any]]:
    """The stream messages for sequence numbers (position, up_to], oldest first, at most CATCH_UP_BATCH."""
    # The check-in a bulletin carries comes with it, as in a replay: its toast offers the answers (payloads).
    bulletins = (Bulletin.objects.filter(sequence__gt=position, sequence__lte=up_to)
                 .select_related("incident", "check_in")
                 .only(*PAYLOAD_FIELDS, "incident__title", "everyone", "status", "check_in__closed_at",
                       "check_in__live_answers")
                 .prefetch_related(*audience_prefetch()).order_by("sequence")[:CATCH_UP_BATCH])
    return [stream_message(bulletin) for bulletin in bulletins]


def addressed_to(bulletin_id: int, user_ids: set[int]) -> set[int]:
    """Which of these users have a Delivery of the bulletin."""
    return set(Delivery.objects.filter(bulletin_id=bulletin_id, user_id__in=user_ids).values_list("user_id",
                                                                                                   flat=True))


# Announcements carrying the same "coalesce" key (a check-in's grid) go at most once a second per process.
COALESCE_SECONDS = 1.0
COALESCE_PRUNE_AT = 1000


@dataclasses.dataclass
class CoalesceWindow:
    sent_at: float
    pending: dict[str, Any] | None = None  # the merged announcement waiting for the end of the second
    flush: asyncio.Task | None = None
    last: dict[str, Any] | None = None  # the announcement sent last: a followed counter's news is built on it


def followed_version(message: dict[str, Any]) -> int | None:
    """The version a following announcement names for the part it follows."""
    return (message["payload"].get("versions") or {}).get(message["follow"]["part"])


def at_version(message: dict[str, Any], version: int) -> dict[str, Any]:
    """The following announcement, naming ``version`` for the part it follows."""
    part = message["follow"]["part"]
    versions = {**(message["payload"].get("versions") or {}), part: version}
    return {**message, "payload": {**message["payload"], "versions": versions}}


def merge_coalesced(pending: dict[str, Any] | None, message: dict[str, Any]) -> dict[str, Any]:
    """The latest announcement, its ``refresh`` list joined with those of the ones it replaces (in order, once
    each): a page refreshes every part any of them named; and of the ``versions`` they ask those parts to be
    at least, the highest (two processes' announcements may arrive out of order)."""
    if pending is None:
        return message
    refresh = list(pending["payload"].get("refresh") or [])
    refresh += [name for name in message["payload"].get("refresh") or [] if name not in refresh]
    versions = dict(pending["payload"].get("versions") or {})
    for name, version in (message["payload"].get("versions") or {}).items():
        versions[name] = max(version, versions.get(name, version))
    payload = {**message["payload"]}
    if refresh:
        payload["refresh"] = refresh
    if versions:
        payload["versions"] = versions
    return {**message, "payload": payload}


class ProcessStream:
    """The stream of one event loop (one daphne process; one test). Sockets join when they are allowed to carry
    bulletins and leave when they close; dispatching runs one message at a time, in sequence order."""

    def __init__(self) -> None:
        self.sockets: set[LiveConsumer] = set()
        self.by_user: dict[int, set[LiveConsumer]] = {}
        self.position: int | None = None  # the last sequence number dispatched here; None: not known yet
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        self.lock = asyncio.Lock()
        # Coalescing announcements, by (key, audience): when the last one went and what waits to go.
        self.coalescing: dict[tuple[str, str], CoalesceWindow] = {}

    async def join(self, socket: "LiveConsumer") -> None:
        async with self.lock:
            if self.channel is None:
                await self._start()
            if self.position is None:
                self.position = await database_sync_to_async(current_position)()
            self.sockets.add(socket)
            self.by_user.setdefault(socket.user.pk, set()).add(socket)

    def leave(self, socket: "LiveConsumer") -> None:
        self.sockets.discard(socket)
        of_user = self.by_user.get(socket.user.pk)
        if of_user is not None:
            of_user.discard(socket)
            if not of_user:
                del self.by_user[socket.user.pk]
        if not self.sockets:
            # Nobody to deliver to: stop counting, and read the position again when someone joins.
            self.position = None

    async def _start(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel("live.stream.")
        await layer.group_add(STREAM_GROUP, channel)
        self.channel = channel  # only once subscribed: a start that failed (Redis down) is tried again
        self.tasks = [asyncio.create_task(self._receive(layer)), asyncio.create_task(self._poll()),
                      asyncio.create_task(self._renew_places())]

    async def _receive(self, layer) -> None:
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer's connection failed: the poll covers the gap; try again shortly
                logger.warning("The live stream could not read the channel layer", exc_info=True)
                await asyncio.sleep(1)
                continue
            try:
                if message.get("type") == "live.bulletin":
                    await self.arrived(message)
                elif message.get("type") == "live.notice":
                    await self.notice(message)
                elif message.get("type") == "live.announce":
                    await self.announced(message)
            except Exception:  # a database hiccup while catching up: the next poll tries again
                logger.warning("The live stream could not handle %s", message.get("type"), exc_info=True)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_STREAM_POLL_SECONDS)
            if not self.sockets:
                continue
            try:
                async with self.lock:
                    if self.position is not None:
                        await self._catch_up(await database_sync_to_async(current_position)())
            except Exception:  # the database is away: try again next round
                logger.warning("The live stream could not read its position", exc_info=True)

    async def _renew_places(self) -> None:
        """Keep the places of this process's sockets held (they are leases: see places), all at once: a task
        per socket cost memory and woke the process ten thousand times a lease."""
        while True:
            await asyncio.sleep(places.SOCKET_LEASE_SECONDS / 3)
            holders = {socket.slot: socket.holder for socket in list(self.sockets) if socket.slot is not None}
            try:
                lost = await places.renew_socket_slots(holders)
            except Exception:  # a cache hiccup must not end the sockets; the next round tries again
                logger.warning("Could not renew the live sockets' places", exc_info=True)
                continue
            for socket in [socket for socket in list(self.sockets) if socket.slot in lost]:
                try:
                    await socket.place_lost()
                except Exception:
                    logger.warning("A live socket that lost its place failed to take another", exc_info=True)

    async def arrived(self, message: dict[str, Any]) -> None:
        """A bulletin pushed over the channel layer: dispatch it after anything before it that went missing."""
        async with self.lock:
            sequence = message["sequence"]
            if self.position is None or not self.sockets:
                return
            if sequence <= self.position:
                return  # already dispatched (it came back from the database first)
            if sequence > self.position + 1:
                await self._catch_up(sequence - 1)
            if sequence == self.position + 1:
                await self._dispatch(message, from_database=False)

    async def notice(self, message: dict[str, Any]) -> None:
        """A notice about one user: their sockets here act on it before the stream moves on."""
        async with self.lock:
            sockets = list(self.by_user.get(message["user_id"], ()))
            outcomes = await asyncio.gather(*(socket.hear(message) for socket in sockets), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                logger.warning("A live socket failed on a notice", exc_info=outcome)

    async def announced(self, message: dict[str, Any]) -> None:
        """News for an audience (``announcement``): the sockets it reaches are told, in stream order. News whose
        payload has a ``coalesce`` key is sent at most once a second per key (``_coalesce``)."""
        if message["payload"].get("coalesce") and self._coalesce(message):
            return
        async with self.lock:
            await self._announce(message)

    async def _announce(self, message: dict[str, Any]) -> None:
        audience = Audience.from_message(message["audience"])
        text = json.dumps(message["payload"])
        frame = text_frame(text)
        for socket in [socket for socket in self.sockets if socket.reach.receives(audience)]:
            try:
                await socket.send_prepared(text, frame)
            except Exception:  # one socket's failure must not keep the news from the others
                logger.warning("Could not send an announcement to a live socket", exc_info=True)

    def _coalesce(self, message: dict[str, Any]) -> bool:
        """Whether this coalescing announcement is held back: merged into the one sent when the current second
        of its key is over. The first of a quiet key goes at once (False: the caller sends it) and opens the
        second; the later ones within it are merged (their ``refresh`` lists joined, the rest of the latest
        payload kept) and sent once by a task that waits WITHOUT the stream's lock, so bulletins and notices
        are not held up behind it. Why: 5,000 answers a minute each announce "the grid changed"; a browser
        needs to hear it once a second at most, and the last one must still arrive. An announcement that
        follows a counter (``announcement``) keeps its key's seconds going while the counter moves."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        key = (message["payload"]["coalesce"], json.dumps(message["audience"], sort_keys=True))
        window = self.coalescing.get(key)
        if window is None or (window.pending is None and window.flush is None
                              and now - window.sent_at >= COALESCE_SECONDS):
            if len(self.coalescing) > COALESCE_PRUNE_AT:
                self._prune_coalescing(now)
            self.coalescing[key] = window = CoalesceWindow(sent_at=now, last=message)
            if message.get("follow"):
                window.flush = asyncio.create_task(self._flush_coalesced(key, COALESCE_SECONDS))
            return False
        window.pending = merge_coalesced(window.pending, message)
        if window.flush is None:
            delay = max(0.0, window.sent_at + COALESCE_SECONDS - now)
            window.flush = asyncio.create_task(self._flush_coalesced(key, delay))
        return True

    async def _flush_coalesced(self, key: tuple[str, str], delay: float) -> None:
        await asyncio.sleep(delay)  # not under the lock: the stream goes on meanwhile
        window = self.coalescing.get(key)
        if window is None:
            return
        message = window.pending
        base = message or window.last
        if base is not None and base.get("follow"):
            counter = await self._read_counter(base["follow"]["counter"])
            if counter is not None:
                if message is not None:
                    message = at_version(message, max(counter, followed_version(message) or counter))
                elif counter > (followed_version(base) or 0):
                    message = at_version(base, counter)
        if message is None:
            window.flush = None  # quiet: the key's next announcement goes at once
            return
        window.pending, window.last = None, message
        window.sent_at = asyncio.get_running_loop().time()
        # Following: look at the counter again at the end of this second, and so on while it moves.
        window.flush = (asyncio.create_task(self._flush_coalesced(key, COALESCE_SECONDS))
                        if message.get("follow") else None)
        try:
            async with self.lock:
                await self._announce(message)
        except Exception:
            logger.warning("Could not send a coalesced announcement", exc_info=True)

    async def _read_counter(self, counter_key: str) -> int | None:
        try:
            value = await cache.aget(counter_key)
        except Exception:  # the cache is away: what the announcements themselves carry is all there is
            logger.warning("Could not read a followed counter", exc_info=True)
            return None
        return value if isinstance(value, int) else None

    def _prune_coalescing(self, now: float) -> None:
        """Forget keys that have been quiet for a while (one per check-in ever seen would otherwise pile up)."""
        for key, window in list(self.coalescing.items()):
            if window.pending is None and window.flush is None and now - window.sent_at >= COALESCE_SECONDS:
                del self.coalescing[key]

    async def _catch_up(self, up_to: int) -> None:
        """Dispatch, from the database, every bulletin numbered after the position and up to ``up_to``."""
        while self.position < up_to:
            messages = await database_sync_to_async(published_after)(self.position, up_to=up_to)
            if not messages:
                return
            for message in messages:
                await self._dispatch(message, from_database=True)

    async def _dispatch(self, message: dict[str, Any], *, from_database: bool) -> None:
        self.position = message["sequence"]
        if message.get("withdrawn"):
            return  # withdrawn before it reached this process (it keeps its number): nothing to announce
        audience = Audience.from_message(message["audience"])
        bulletin_id = message["bulletin"]["id"]
        receivers = [socket for socket in self.sockets if socket.reach.receives(audience)]
        if from_database and receivers:
            entitled = await database_sync_to_async(addressed_to)(
                bulletin_id, {socket.user.pk for socket in receivers if not socket.reach.is_officer})
            receivers = [socket for socket in receivers if socket.reach.is_officer or socket.user.pk in entitled]
        text = json.dumps(message["bulletin"])  # once, and framed once, for every socket
        frame = text_frame(text)
        for socket in receivers:
            try:
                await socket.send_stream_text(bulletin_id, text, frame)
            except Exception:  # one socket's failure must not keep the bulletin from the others
                logger.warning("Could not send bulletin %s to a live socket", bulletin_id, exc_info=True)


_streams: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ProcessStream]" = weakref.WeakKeyDictionary()


def process_stream() -> ProcessStream:
    """This process's stream (one per event loop: a daphne process has one; tests run one per test)."""
    loop = asyncio.get_running_loop()
    stream = _streams.get(loop)
    if stream is None:
        stream = _streams[loop] = ProcessStream()
    return stream
