"""Live updates survive a daphne restart, and cross from one daphne process to another over Redis."""

import os
import re
import threading

import pytest
from django.db import connections

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from tests.browser.servers import DaphneServer
from tests.browser.test_live import log_in
from tests.factories import BulletinFactory, member_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def off_the_event_loop(function, *args, **kwargs) -> None:
    """Playwright runs an event loop in this thread; the publish service's broadcast is sync code that
    refuses to run beside one, as a view in a worker thread would never be."""

    def run() -> None:
        try:
            function(*args, **kwargs)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()


def draft(officer, sector, title: str) -> Bulletin:
    return BulletinFactory(title=title, body="Details follow.", author=officer, sectors=[sector])


def test_reconnect_after_a_restart_replays_what_was_missed_in_order(browser, sector_a, officer):
    member = member_of(sector_a)
    server = DaphneServer().start()
    context, page = log_in(browser, server.url, member)
    try:
        page.goto("/dashboard/")
        page.wait_for_selector('#live-status[data-state="live"]', state="attached")
        # live.js announces every bulletin it handles; record them (toasts fade after a while, this does not).
        page.evaluate("window.seen = [];"
                      "document.addEventListener('hub:bulletin', (e) => window.seen.push(e.detail.title))")
        server.stop()
        page.wait_for_selector('#live-status:not([data-state="live"])', state="attached")
        # Published while the server is down: only the Delivery rows know about them.
        titles = ["Update one", "Update two", "Update three"]
        for title in titles:
            off_the_event_loop(services.publish_bulletin, draft(officer, sector_a, title), by=officer)
        server.start()
        # Up to 150 s: the client backs off (full jitter, up to 30 s a try) while the server is down, and a
        # restart on a loaded machine can take a while; on a quiet one it comes back within seconds.
        for _ in range(750):
            if page.evaluate("window.seen.length") >= 3:
                break
            page.wait_for_timeout(200)
        page.wait_for_timeout(500)  # anything extra (a duplicate) would arrive now
        assert page.evaluate("window.seen") == titles  # all three, in order, once
        assert page.locator("#unread-count").inner_text() == "3"
    finally:
        context.close()
        server.stop()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="two processes share live updates through Redis")
def test_published_on_one_process_reaches_a_client_on_another(browser, sector_a, officer):
    member = member_of(sector_a)
    process_a, process_b = DaphneServer().start(), DaphneServer().start()
    member_context, member_page = log_in(browser, process_a.url, member)
    officer_context, officer_page = log_in(browser, process_b.url, officer)
    bulletin = draft(officer, sector_a, "Across processes")
    try:
        member_page.goto("/dashboard/")
        member_page.wait_for_selector('#live-status[data-state="live"]', state="attached")
        officer_page.goto(f"/bulletins/{bulletin.pk}/")
        officer_page.get_by_role("link", name="Publish now").click()
        officer_page.get_by_role("button", name=re.compile(r"^Publish to \d+ members?$")).click()
        toast = member_page.locator(f'#live-toasts [data-bulletin="{bulletin.pk}"]')
        toast.wait_for(state="attached", timeout=10_000)
        assert "Across processes" in toast.inner_text()
    finally:
        member_context.close()
        officer_context.close()
        process_a.stop()
        process_b.stop()
