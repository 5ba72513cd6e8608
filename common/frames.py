"""WebSocket frames built once and written to many sockets: the live stream's fan-out (messaging.bulletins.stream).

A server that sends the same message to a thousand sockets need not frame it a thousand times. The ASGI server
in front (``hub.websockets.FrameWriterMiddleware``, daphne) may put a ``FRAME_WRITER`` in a socket's scope: a
callable that writes a complete, already built frame to that socket's connection, and says False when the
connection is no longer open. Under any other server there is none, and the consumer sends the text through
ASGI as usual.
"""

import struct
from collections.abc import Callable

FRAME_WRITER = "hub.frame_writer"
FrameWriter = Callable[[bytes], bool]

_FINAL_TEXT = 0x81  # FIN bit + opcode 1 (text)


def text_frame(text: str) -> bytes:
    """One final, unmasked text frame (RFC 6455 section 5.2), as a server sends it."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", _FINAL_TEXT, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", _FINAL_TEXT, 126, length)
    else:
        header = struct.pack("!BBQ", _FINAL_TEXT, 127, length)
    return header + payload
