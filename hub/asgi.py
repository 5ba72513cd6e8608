"""ASGI entry point: HTTP goes to Django, WebSockets to the channels consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from hub.routing import websocket_urlpatterns  # noqa: E402
from hub.websockets import SameOriginValidator, let_daphne_send_standard_close_codes  # noqa: E402

let_daphne_send_standard_close_codes()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
