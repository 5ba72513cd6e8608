"""Django's ASGI handler, with the request's middleware and view run in one hop to a thread.

Every middleware of the portal is synchronous (Django's own, allauth's, ours), and so is every view. Django's
ASGIHandler builds its middleware chain for async use all the same: it runs the synchronous chain in the request's
thread, then hops back to the event loop for the innermost step (async_to_sync) and from there to the thread
again for the view (sync_to_async). Both hops cost CPU and a turn of the event loop, which is the one thing every
request and every live socket of a process shares: a check-in answer cost 24.7 ms of CPU through Django's chain
against 21.8 through this one (one process, 1,280 answers, alternating the two handlers in batches), and daphne
26.8 against 25.2 ms an answer in the check-in bench at 3,000 answers a minute (bench/checkins.py).

This handler builds the chain for synchronous use, as the WSGI handler does, and runs it with one sync_to_async
call, in the request's own thread (thread-sensitive, as Django runs views: a request keeps one thread and so one
database connection). Everything else is Django's: reading the body, the request_started/finished signals,
disconnects, streaming responses. An async view would still run: the synchronous chain calls it through
async_to_sync, as Django's WSGI handler does.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        BaseHandler.__init__(self)  # ASGIHandler's own __init__ would build the async chain
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
