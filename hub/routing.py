"""WebSocket routes; each app adds its consumers here."""

from messaging.bulletins.routing import websocket_urlpatterns as bulletins_websockets

websocket_urlpatterns = [*bulletins_websockets]
