"""The WebSocket side of the ASGI server: which pages may open a socket (the Origin check), and the close codes
daphne lets through. Imported by ``hub.asgi`` once Django is set up."""

from functools import partial
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

from common.frames import FRAME_WRITER

Origin = tuple[str, str, int]  # scheme, host, port (the default port made explicit)
DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(url: str) -> Origin | None:
    """An http(s) origin as (scheme, host, port), or None for anything else ("null", garbage)."""
    try:
        parts = urlsplit(url.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


class SameOriginValidator:
    """WebSocket handshakes only from the site's own pages. The Origin must equal, in scheme, host AND port:
    the origin the socket was opened on (the scheme, https when daphne is reached over TLS or through a proxy
    trusted by SECURE_PROXY_SSL_HEADER, and the Host header, which must be in ALLOWED_HOSTS), SITE_URL, or one
    of CSRF_TRUSTED_ORIGINS (the same list, and the same rule, as Django's CSRF check of a form's Origin). A
    host-only check would let any page on another port or scheme of the same host (http://127.0.0.1:9) in.
    Anything else, no Origin included, is refused before the consumer runs (HTTP 403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not self.allows(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

    def allows(self, scope) -> bool:
        headers = {name: value.decode("latin1") for name, value in scope.get("headers", [])}
        origin = parse_origin(headers.get(b"origin", ""))
        if origin is None:
            return False
        return origin == self.own_origin(scope, headers) or any(
            self.matches(origin, pattern) for pattern in [settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS]
        )

    @staticmethod
    def own_origin(scope, headers: dict[bytes, str]) -> Origin | None:
        host = headers.get(b"host", "")
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:  # Django's own default in development
            allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
        domain, _ = split_domain_port(host)
        if not domain or not validate_host(domain, allowed_hosts):
            return None
        secure = scope.get("scheme") in {"wss", "https"}
        proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if proxy_header:
            name, value = proxy_header
            secure = secure or headers.get(name.removeprefix("HTTP_").lower().replace("_", "-").encode()) == value
        return parse_origin(f"{'https' if secure else 'http'}://{host}")

    @staticmethod
    def matches(origin: Origin, pattern: str) -> bool:
        """Exact scheme, host and port; "https://*.example.org" allows its subdomains, as Django's CSRF does."""
        allowed = parse_origin(pattern)
        if allowed is None:
            return False
        scheme, host, port = allowed
        if host.startswith("*."):
            return (origin[0], origin[2]) == (scheme, port) and is_same_domain(origin[1], host[1:])
        return origin == allowed


# RFC 6455 close codes a server may put in a close frame (7.4.1, and IANA's 1012-1014); not 1005, 1006 or 1015.
STANDARD_SERVER_CLOSE_CODES = frozenset({1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})


def let_daphne_send_standard_close_codes() -> None:
    """daphne hands an application's close code to autobahn's ``sendClose``, the API for the codes a *browser*
    script may choose (1000, 3000-4999): it raises on any other, and daphne turns the raise into a 1011 "server
    error" (daphne issue #374). So the live socket's documented 1009 ("message too big") came out as 1011. Send
    the standard codes as the close frame they are (``sendCloseFrame``, what sendClose itself ends with); all
    others still go through sendClose. A no-op under any other ASGI server."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    if getattr(WebSocketProtocol.serverClose, "sends_standard_codes", False):
        return
    checked_close = WebSocketProtocol.serverClose

    def server_close(protocol, code=None):
        if code in STANDARD_SERVER_CLOSE_CODES:
            protocol.sendCloseFrame(code=code, isReply=False)
        else:
            checked_close(protocol, code)

    server_close.sends_standard_codes = True
    WebSocketProtocol.serverClose = server_close


class FrameWriterMiddleware:
    """Under daphne, give each WebSocket scope a ``common.frames.FRAME_WRITER``: the live stream writes the one
    frame it built for a bulletin straight to each socket's connection. Through ASGI every socket's copy was
    framed again by autobahn (which also formats debug-log strings on every send, logging on or off) after
    passing the session middleware's and daphne's checks: 85 us a socket, now a fifth of that. Under any other
    server (the test communicator) the scope has no writer and the consumer sends through ASGI."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            protocol = _daphne_protocol(send)
            if protocol is not None:
                scope = {**scope, FRAME_WRITER: partial(_write_frame, protocol)}
        return await self.application(scope, receive, send)


def _daphne_protocol(send):
    """The connection behind daphne's ``send`` (``partial(server.handle_reply, protocol)``), or None."""
    try:
        from daphne.server import Server
    except ImportError:
        return None
    if isinstance(send, partial) and isinstance(getattr(send.func, "__self__", None), Server) and send.args:
        return send.args[0]
    return None


def _write_frame(protocol, frame: bytes) -> bool:
    # autobahn's own sendMessage ends the same way (sendData -> transport.write), in the same order as every
    # other frame of the connection; a socket that is closing or closed gets nothing.
    if protocol.state != protocol.STATE_OPEN:
        return False
    protocol.transport.write(frame)
    return True


def let_autobahn_format_its_configuration_only_when_logged() -> None:
    """autobahn pretty-prints its whole configuration for a debug line on every new connection, whether debug
    logging is on or not: a tenth of what a WebSocket connect cost daphne (profiled under bench/live_many.py).
    Its module's ``pformat`` now formats only when autobahn logs at debug level (its only other use, tracked
    timings, is debug output too)."""
    try:
        import txaio
        from autobahn.websocket import protocol
    except ImportError:
        return
    from pprint import pformat

    def pformat_when_debugging(value, *args, **kwargs) -> str:
        try:
            debugging = txaio.get_global_log_level() in {"debug", "trace"}
        except RuntimeError:  # txaio has no framework yet: nothing of autobahn's is running
            debugging = False
        return pformat(value, *args, **kwargs) if debugging else "(formatted only when autobahn logs debug lines)"

    protocol.pformat = pformat_when_debugging
