"""A minimal WebSocket client (RFC 6455) over a plain socket, for talking to a real daphne process.

The suite has no WebSocket client library (websockets is a bench extra), and the ASGI test communicator cannot
show what a real server puts on the wire, which is where close codes like 1009 are decided.
"""

import base64
import json
import os
import socket
import struct

OPCODE_TEXT, OPCODE_CLOSE = 0x1, 0x8


class RawWebSocket:
    def __init__(self, port: int, *, path: str = "/ws/live/", headers: dict[str, str] | None = None,
                 host: str = "127.0.0.1", timeout: float = 5):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
                 *(f"{name}: {value}" for name, value in (headers or {}).items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1]) if head else 0

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the TCP connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive_frame(self) -> tuple[int, bytes]:
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read(8))
        return first & 0x0F, self._read(length)

    def receive_json(self) -> dict:
        opcode, payload = self.receive_frame()
        assert opcode == OPCODE_TEXT, (opcode, payload)
        return json.loads(payload)

    def close_code(self) -> int:
        """Read frames until the server's close frame; its status code."""
        while True:
            opcode, payload = self.receive_frame()
            if opcode == OPCODE_CLOSE:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005

    def send_text(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        header = bytes([0x80 | OPCODE_TEXT])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def close(self) -> None:
        self.sock.close()
