"""Live push of published bulletins to members' browsers over the channel layer.

How a bulletin reaches a browser:
- after the publishing transaction commits, ``broadcast_bulletin`` sends ONE message to ``stream.STREAM_GROUP``,
  whatever the audience: each server process holds one subscription to it (``stream.ProcessStream``), encodes
  the payload once, and hands it to each of its sockets whose user's ``audience.Reach`` receives the bulletin's
  ``audience.Audience`` (the same rule that chose the Delivery rows);
- every bulletin carries its place in the stream (``Bulletin.sequence``, in commit order): a process that sees
  a number skipped reads the missing ones from the database, and asks the database where the stream stands every
  few seconds, so that a push lost on the way (Redis down, a publisher killed after its commit) is still
  delivered; a client that reconnects sends the last number it saw and ``selectors.replay_for`` returns what
  it missed, in order;
- anything that changes a user's access sends a notice down the same stream (``notify_user``: ``live.refresh``,
  or ``live.session_ended``; see ``receivers``), and that user's sockets re-check or close before the stream
  dispatches anything sent after it;
- nothing here raises into the request that caused it: a notice the channel layer refuses (Redis down) is
  logged and sent again by a background task until it goes through (``resend_notice``);
- each socket holds one of its user's MAX_SOCKETS_PER_USER places (``places``), counted in the cache so that
  the cap holds across daphne processes.
"""

import asyncio
import logging
import threading
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone
from django_tasks import task

from messaging.bulletins.audience import Audience, audience_prefetch
from messaging.bulletins.models import Bulletin
from messaging.bulletins.stream import STREAM_GROUP, announcement, stream_message, withdrawal_message

logger = logging.getLogger(__name__)


def group_send(group: str, message: dict) -> None:
    """Send to a group from sync code: views, tasks and signal receivers. Raises what the layer raises."""
    send = async_to_sync(get_channel_layer().group_send)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(group, message)
        return
    # Sync code running in an event loop's thread (an async caller; Playwright's loop in the browser tests)
    # cannot block on the layer here: hand the send to a short-lived thread.
    failure = []

    def send_in_thread() -> None:
        try:
            send(group, message)
        except Exception as exc:  # noqa: BLE001 - handed back to the caller's thread below
            failure.append(exc)

    worker = threading.Thread(target=send_in_thread)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def broadcast_bulletin(bulletin_id: int) -> None:
    """Push a just-published bulletin to every server process. Call only after the publish has committed.
    Never raises: a push that fails is caught up by every process's stream from the database (``stream``)."""
    try:
        bulletin = Bulletin.objects.select_related("incident", "check_in").prefetch_related(
            *audience_prefetch()).get(pk=bulletin_id)
        group_send(STREAM_GROUP, stream_message(bulletin))
    except Exception:
        logger.warning("Live push of bulletin %s failed; the servers' streams will catch it up", bulletin_id,
                       exc_info=True)


def broadcast_withdrawal(bulletin_id: int) -> None:
    """Tell the open pages of a withdrawn bulletin's audience, after the withdrawal commits. Best effort, and
    never raises: unlike a publish, nothing is lost if it does not arrive, since every page shows the bulletin's
    status as it is when it loads."""
    try:
        bulletin = Bulletin.objects.prefetch_related(*audience_prefetch()).get(pk=bulletin_id)
        group_send(STREAM_GROUP, withdrawal_message(bulletin))
    except Exception:
        logger.warning("Live notice of the withdrawal of bulletin %s failed", bulletin_id, exc_info=True)


def announce(audience: Audience, payload: dict, *, follow: dict[str, str] | None = None) -> None:
    """Send news that is not a bulletin (``payload``: JSON with a ``type``) to the open pages ``audience`` reaches,
    after the commit that made it true. Best effort, and never raises: pages show the same when they load.
    ``follow``: see ``stream.announcement``."""
    try:
        group_send(STREAM_GROUP, announcement(audience, payload, follow=follow))
    except Exception:
        logger.warning("Live announcement %s failed", payload.get("type"), exc_info=True)


def send_to_user(user_id: int, payload: dict) -> None:
    """Send ``payload`` (JSON with a ``type``) to every open page of one user: a toast about them alone (an
    invitation). Never raises; refused, it is sent again later like any notice."""
    notify_user(user_id, "live.message", payload=payload)


def notify_user(user_id: int, message_type: str = "live.refresh", **fields) -> None:
    """Tell every open socket of one user something: ``live.refresh`` (re-check your access) by default.
    Never raises: if the channel layer refuses it, a background task sends it again until it goes through."""
    message = {"type": "live.notice", "notice": message_type, "user_id": user_id, **fields}
    try:
        group_send(STREAM_GROUP, message)
    except Exception:
        logger.warning("Live notice %s to user %s failed; queued to send again", message_type, user_id,
                       exc_info=True)
        _send_again_later(user_id, message, attempt=1)


# How long a refused notice waits before each new try (then every RESEND_DELAYS[-1] seconds, up to RESEND_ATTEMPTS
# tries: a day of Redis outage). The socket a notice was for may have closed meanwhile: a late refresh is harmless.
RESEND_DELAYS = (2, 5, 15, 60)
RESEND_ATTEMPTS = 1500


def _send_again_later(user_id: int, message: dict, *, attempt: int) -> None:
    if attempt > RESEND_ATTEMPTS or not resend_notice.get_backend().supports_defer:
        # Without a deferring queue (the embedded default runs tasks at once, on the in-memory layer that does
        # not refuse) there is nowhere to wait; the log says what was lost.
        logger.error("Live notice %s to user %s given up after %s tries", message["notice"], user_id, attempt - 1)
        return
    delay = RESEND_DELAYS[min(attempt, len(RESEND_DELAYS)) - 1]
    try:
        resend_notice.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(user_id, message, attempt)
    except Exception:  # the task queue (the database) is down too: the log says what was lost
        logger.exception("Could not queue live notice %s to user %s", message["notice"], user_id)


@task()
def resend_notice(user_id: int, message: dict, attempt: int) -> bool:
    """Send a notice the channel layer refused earlier; if it refuses again, queue another try."""
    try:
        group_send(STREAM_GROUP, message)
    except Exception:
        logger.warning("Live notice %s to user %s refused again (try %s)", message["notice"], user_id, attempt)
        _send_again_later(user_id, message, attempt=attempt + 1)
        return False
    return True
