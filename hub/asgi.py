"""ASGI entry point: HTTP goes to Django, WebSockets to the channels consumers."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
# Django must be set up before anything imports models (the consumers do); get_asgi_application() as Django
# writes it, with the portal's handler.
django.setup(set_prefix=False)

from hub.handlers import SyncChainASGIHandler  # noqa: E402

django_asgi_app = SyncChainASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from hub.routing import websocket_urlpatterns  # noqa: E402
from hub.websockets import (  # noqa: E402
    FrameWriterMiddleware,
    SameOriginValidator,
    let_autobahn_format_its_configuration_only_when_logged,
    let_daphne_send_standard_close_codes,
)

let_daphne_send_standard_close_codes()
let_autobahn_format_its_configuration_only_when_logged()

# What is loaded by now lives as long as the process: out of the collector's sight (gc.freeze), and collections
# rarer, so that a server holding thousands of sockets' objects does not stall a live fan-out for a collection
# (bench/live_fanout.py: the late updates' p50 went from 90-250 ms to 66-92 ms).
gc.freeze()
gc.set_threshold(50_000, 20, 20)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": FrameWriterMiddleware(SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
    }
)
