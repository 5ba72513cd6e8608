"""The live socket at /ws/live/: pushes bulletins addressed to the member, replays what they missed."""

import json
import logging
import time
import uuid
from collections import deque
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from accounts import mfa, roles
from accounts.sessions import open_session, session_is_valid
from common.frames import FRAME_WRITER
from messaging.bulletins import permissions, places, selectors
from messaging.bulletins.audience import NOBODY, Reach, reach_of
from messaging.bulletins.payloads import make_cursor, parse_cursor
from messaging.bulletins.stream import ProcessStream, current_position, process_stream

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's own; documented in the README).
CLOSE_UNAUTHENTICATED = 4401  # not logged in (or the session ended: logged out, signed out, password changed)
CLOSE_FORBIDDEN = 4403  # logged in, but not an approved member or officer (or no longer: suspended, role removed)
CLOSE_TOO_MANY_SOCKETS = 4429  # the user already has places.MAX_SOCKETS_PER_USER sockets open
CLOSE_TOO_BIG = 1009  # the client sent a message larger than MAX_CLIENT_MESSAGE

# The largest client message, in bytes (a replay request is under 100). Under daphne the 1009 reaches the client
# only thanks to hub.asgi.let_daphne_send_standard_close_codes: autobahn takes 1000 and 3000-4999 alone from an
# application, and the refused close used to come out as 1011.
MAX_CLIENT_MESSAGE = 2048
RECENT_IDS = 256

# A replay returns what a socket can have missed: bulletins published since its cursor, but none published
# more than REPLAY_WINDOW before the socket connected (the inbox has the rest), at most selectors.REPLAY_LIMIT.
REPLAY_WINDOW = timedelta(hours=24)
# Replays cost a query and up to a hundred messages: at most MAX_REPLAYS per REPLAY_PERIOD seconds per socket
# (live.js asks once per connection); more are answered with an error and not run.
MAX_REPLAYS = 5
REPLAY_PERIOD = 60.0


class LiveConsumer(AsyncWebsocketConsumer):
    # No channel of its own (channels makes none when the alias names no layer): the process's stream hands the
    # socket its bulletins and the notices about its user (stream.py), which spares a subscription, a queue and
    # a task per socket.
    channel_layer_alias = None
    reach: Reach = NOBODY
    slot: str | None = None
    stream: ProcessStream | None = None

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        # The session this socket was opened with: logging it out, signing it out from another session, or a
        # password change that ends it, closes the socket too (live.session_ended, live.refresh).
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.holder = uuid.uuid4().hex  # names this socket's place in the cache
        self.sent_ids: set[int] = set()
        self.sent_order: deque[int] = deque()
        self.replay_times: deque[float] = deque(maxlen=MAX_REPLAYS)
        self.replay_not_before = timezone.now() - REPLAY_WINDOW
        # Accept first: a close code can only be sent on an open socket, and the client needs it to tell
        # "log in again" from "not (or no longer) allowed" from "too many tabs" from a network failure.
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        # The place before any database work: a user opening sockets in a loop costs a cache lookup each.
        self.slot = await places.take_socket_slot(self.user.pk, self.holder)
        if self.slot is None:
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        # In the stream (which also renews the place) before reading its access (a notice sent meanwhile is heard)
        # and before reading where the stream stands (whatever comes after that point reaches this socket live;
        # before it, the client's replay). Until its access is read, its reach is nobody's: it receives nothing.
        self.stream = process_stream()
        await self.stream.join(self)
        if not await self.refresh_access():
            await self.close_for_access()
            return
        position = await database_sync_to_async(current_position)()
        await self.send_json({"type": "hello", "officer": self.reach.is_officer, "cursor": make_cursor(position)})

    async def __call__(self, scope, receive, send) -> None:
        """Run the socket; whatever ends it, leave the stream and give its place back. disconnect() runs only
        when the client goes: a handler that raises (a database error, a pool timeout) or daphne cancelling the
        application after its close timeout skips it, and the stream would otherwise renew the place for as long
        as the process lives (ten such crashes and the user is refused with 4429 until a restart)."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                await self.leave()  # out of the stream before its first await: if the rest fails, the lease lapses
            except Exception:  # the cache is down too: the lease lapses
                logger.warning("Could not give back a live socket's place", exc_info=True)

    async def disconnect(self, code: int) -> None:
        await self.leave()

    async def close(self, code=None, reason=None) -> None:
        """Every close, whatever its cause, leaves the stream and gives the user's place back at once."""
        await self.leave()
        await super().close(code=code, reason=reason)

    async def leave(self) -> None:
        """Out of the stream (no more bulletins, no more renewals), place given back. Safe to call again (each
        step runs once)."""
        if self.stream is not None:
            self.stream.leave(self)
            self.stream = None
        self.reach = NOBODY
        if self.slot is not None:
            slot, self.slot = self.slot, None
            await places.release_socket_slot(slot, self.holder)

    async def place_lost(self) -> None:
        """The lease lapsed (a stalled process, a cache restart) and another socket of the user took the place
        meanwhile (the stream found it renewing): take a free one, or, if the user now has all theirs, give way."""
        logger.warning("A live socket lost its place to another; taking a new one")
        self.slot = await places.take_socket_slot(self.user.pk, self.holder)
        if self.slot is None:
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)

    @database_sync_to_async
    def _load_reach(self) -> Reach | None:
        """The user's reach as it is now, or None if this socket may not (or no longer) carry bulletins."""
        user = self.user
        user.refresh_from_db(fields=["is_active", "is_superuser", "is_staff", "organisation", "password"])
        roles.forget_cached_roles(user)
        # The session as stored now (one read for both checks): ended, or logged in with an old password, is 4401.
        session = open_session(self.session_key) if self.session_key else None
        self.session_still_valid = session is None or session_is_valid(session, user)
        if not user.is_active or not self.session_still_valid:
            return None
        if not mfa.two_factor_satisfied(user, session):
            return None  # as on every page: a role holder's session must have completed a second factor
        return reach_of(user) if permissions.can_read_bulletins(user) else None

    async def refresh_access(self) -> bool:
        """(Re)read the user's reach: what the stream hands this socket from now on. False: close it."""
        reach = await self._load_reach()
        self.reach = reach or NOBODY
        return reach is not None

    async def close_for_access(self) -> None:
        """Closed because access was refused: 4401 if the session is gone (log in again), else 4403."""
        await self.close(code=CLOSE_FORBIDDEN if self.session_still_valid else CLOSE_UNAUTHENTICATED)

    # Client -> server ---------------------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if bytes_data is not None or text_data is None:
            await self.send_error("Send JSON text frames.")
            return
        if len(text_data.encode()) > MAX_CLIENT_MESSAGE:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.send_error("That was not JSON.")
            return
        if not isinstance(message, dict):
            await self.send_error("Send a JSON object with a type.")
            return
        if message.get("type") == "replay":
            await self.replay(message.get("since"))
        elif message.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error("Unknown message type.")

    def replay_allowed(self) -> bool:
        """At most MAX_REPLAYS in any REPLAY_PERIOD seconds, counted on this socket."""
        now = time.monotonic()
        if len(self.replay_times) == MAX_REPLAYS and now - self.replay_times[0] < REPLAY_PERIOD:
            return False
        self.replay_times.append(now)
        return True

    async def replay(self, since) -> None:
        cursor = parse_cursor(since)
        if cursor is None:
            await self.send_error("replay needs the cursor of the last bulletin seen.")
            return
        if not self.replay_allowed():
            await self.send_error("Too many replay requests: wait a minute, or open your inbox.")
            return
        # Access as it is now, not as it was at the last refresh: a replay must never be the way round a
        # revocation whose notice has not reached this socket (or never will: a change made behind the ORM).
        if not await self.refresh_access():
            await self.close_for_access()
            return
        payloads, complete = await self._replay(cursor)
        for payload in payloads:
            await self.send_bulletin(payload)
        # complete: false tells the client it was not sent everything after its cursor (some is older than the
        # window, or past the limit); live.js then points to the inbox rather than pretending it has it all.
        await self.send_json({"type": "replayed", "count": len(payloads), "complete": complete})

    @database_sync_to_async
    def _replay(self, cursor: int) -> tuple[list[dict], bool]:
        payloads = selectors.replay_for(self.user, cursor, not_before=self.replay_not_before)
        if len(payloads) == selectors.REPLAY_LIMIT:
            return payloads, False
        return payloads, not selectors.missed_before_window(self.user, cursor, not_before=self.replay_not_before)

    # The stream -> server ------------------------------------------------------------------------------------

    async def hear(self, notice: dict) -> None:
        """A notice about this socket's user (transport.notify_user), handed over by the stream."""
        if self.slot is None:
            return  # already closing
        if notice["notice"] == "live.message":
            # Something for this user alone (transport.send_to_user): passed on as it is, once the socket's
            # access has been read (until then its reach is NOBODY).
            if self.reach is not NOBODY:
                await self.send_json(notice["payload"])
        elif notice["notice"] == "live.session_ended":
            # One session of the user ended (logged out, or signed out from another session): close the sockets
            # that session opened.
            if self.session_key and notice.get("session_key") == self.session_key:
                await self.close(code=CLOSE_UNAUTHENTICATED)
        elif not await self.refresh_access():
            # live.refresh: something that decides the user's access changed (memberships, roles, organisation,
            # its premises, password, activation): re-read it, close if no longer allowed.
            await self.close_for_access()

    # Server -> client -----------------------------------------------------------------------------------------

    def first_time(self, bulletin_id: int) -> bool:
        """True the first time a bulletin is offered to this socket (a replay and the stream may both offer it):
        each bulletin goes out once."""
        if bulletin_id in self.sent_ids:
            return False
        if len(self.sent_order) == RECENT_IDS:
            self.sent_ids.discard(self.sent_order.popleft())
        self.sent_order.append(bulletin_id)
        self.sent_ids.add(bulletin_id)
        return True

    async def send_bulletin(self, payload: dict) -> None:
        if self.first_time(payload["id"]):
            await self.send_json(payload)

    async def send_stream_text(self, bulletin_id: int, text: str, frame: bytes) -> None:
        """From the process's stream: the payload already encoded and framed, the same for every socket."""
        if self.first_time(bulletin_id):
            await self.send_prepared(text, frame)

    async def send_prepared(self, text: str, frame: bytes) -> None:
        """A message the stream encoded and framed once for all its sockets."""
        if self.slot is None:
            return
        write_frame = self.scope.get(FRAME_WRITER)
        if write_frame is None:
            await self.base_send({"type": "websocket.send", "text": text})
        else:
            write_frame(frame)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))

    async def send_error(self, error: str) -> None:
        await self.send_json({"type": "error", "error": error})
