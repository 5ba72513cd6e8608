"""The live socket at /ws/live/: pushes bulletins addressed to the member, replays what they missed."""

import json
import logging
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts import mfa, roles
from accounts.sessions import session_is_valid
from messaging.bulletins import permissions, selectors, transport
from messaging.bulletins.audience import NOBODY, Audience, Reach, reach_of
from messaging.bulletins.payloads import parse_cursor

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's own; documented in the README).
CLOSE_UNAUTHENTICATED = 4401  # not logged in
CLOSE_FORBIDDEN = 4403  # logged in, but not an approved member or officer (or suspended while connected)
CLOSE_TOO_BIG = 1009  # the client sent a frame larger than MAX_CLIENT_MESSAGE

MAX_CLIENT_MESSAGE = 2048
RECENT_IDS = 256


class LiveConsumer(AsyncWebsocketConsumer):
    live_groups: list[str]
    reach: Reach = NOBODY

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        # The session this socket was opened with: logging it out, or a password change that ends it, closes
        # the socket too (live.session_ended, live.refresh).
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.live_groups = []
        self.sent_ids: deque[int] = deque(maxlen=RECENT_IDS)
        # Accept first: a close code can only be sent on an open socket, and the client needs it to tell
        # "log in again" from "not (or no longer) allowed" from a network failure.
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await self.refresh_access():
            await self.close(code=CLOSE_FORBIDDEN if self.session_still_valid else CLOSE_UNAUTHENTICATED)
            return
        cursor = await database_sync_to_async(selectors.latest_cursor_for)(self.user)
        await self.send_json({"type": "hello", "officer": self.reach.is_officer, "cursor": cursor})

    async def disconnect(self, code: int) -> None:
        for group in self.live_groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.live_groups = []

    @database_sync_to_async
    def _load_reach(self) -> Reach | None:
        """The user's reach as it is now, or None if this socket may not (or no longer) carry bulletins."""
        user = self.user
        user.refresh_from_db(fields=["is_active", "organisation", "password"])
        roles.forget_cached_roles(user)
        self.session_still_valid = not self.session_key or session_is_valid(self.session_key, user)
        if not user.is_active or not self.session_still_valid:
            return None
        if mfa.requires_mfa(user) and not mfa.has_mfa(user):
            return None  # as on every page: role holders set up two-factor first
        return reach_of(user) if permissions.can_read_bulletins(user) else None

    async def refresh_access(self) -> bool:
        """(Re)read the user's reach and move the socket into exactly the right groups."""
        reach = await self._load_reach()
        self.reach = reach or NOBODY
        wanted = transport.socket_groups(self.user.pk, reach) if reach is not None else []
        for group in set(self.live_groups) - set(wanted):  # out of every group before a close
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in set(wanted) - set(self.live_groups):
            await self.channel_layer.group_add(group, self.channel_name)
        self.live_groups = wanted
        return bool(wanted)

    # Client -> server ---------------------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if bytes_data is not None or text_data is None:
            await self.send_error("Send JSON text frames.")
            return
        if len(text_data) > MAX_CLIENT_MESSAGE:
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

    async def replay(self, since) -> None:
        cursor = parse_cursor(since)
        if cursor is None:
            await self.send_error("replay needs the cursor of the last bulletin seen.")
            return
        payloads = await database_sync_to_async(selectors.replay_for)(self.user, cursor)
        for payload in payloads:
            await self.send_bulletin(payload)
        await self.send_json({"type": "replayed", "count": len(payloads)})

    # Channel layer -> server ----------------------------------------------------------------------------------

    async def live_bulletin(self, event: dict) -> None:
        if self.reach.receives(Audience.from_message(event["audience"])):
            await self.send_bulletin(event["bulletin"])

    async def live_refresh(self, event: dict) -> None:
        """The user's memberships or password changed: re-check, close if no longer allowed."""
        if not await self.refresh_access():
            await self.close(code=CLOSE_FORBIDDEN if self.session_still_valid else CLOSE_UNAUTHENTICATED)

    async def live_session_ended(self, event: dict) -> None:
        """The user logged out of one session: close the sockets that session opened."""
        if self.session_key and event.get("session_key") == self.session_key:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    # Server -> client -----------------------------------------------------------------------------------------

    async def send_bulletin(self, payload: dict) -> None:
        if payload["id"] in self.sent_ids:
            return
        self.sent_ids.append(payload["id"])
        await self.send_json(payload)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))

    async def send_error(self, error: str) -> None:
        await self.send_json({"type": "error", "error": error})
