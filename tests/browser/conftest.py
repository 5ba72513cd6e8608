"""A live daphne server in its own process and Debian's chromium driven by Playwright."""

import os
import time

import pytest
from django.conf import global_settings
from django.db import connections
from playwright.sync_api import sync_playwright

from tests.browser.servers import DaphneServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make around it
# are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    """daphne serving the real ASGI application (HTTP and WebSocket) against the test database.

    A fresh interpreter rather than a fork: a forked child would inherit this process's half-used thread
    pools and event-loop-bound connections (asgiref's executor, the Redis layer) and hang on them.
    """
    server = DaphneServer().start()
    yield server.url
    server.stop()
    with django_db_blocker.unblock():
        connection = connections["default"]
        if connection.vendor == "postgresql":
            # The stopped server's session can outlive it for a moment and block dropping the test database.
            others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")  # noqa: S608 - constant text
                for _ in range(50):
                    cursor.execute(f"SELECT count(*) {others}")  # noqa: S608 - constant text
                    if cursor.fetchone()[0] == 0:
                        break
                    time.sleep(0.1)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    serialized = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_playwright() as playwright:
        # Inside Playwright's event loop Django's connection handler hands this thread new connection
        # objects; without the seed data serialized at setup, serialized_rollback would restore nothing.
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server_url):
    context = browser.new_context(base_url=live_server_url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(message))
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _real_password_hashing(settings):
    """The server runs in its own interpreter with the real hashers: passwords set here must suit them."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
