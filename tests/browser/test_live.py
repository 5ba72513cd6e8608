"""A member watches an officer's bulletin arrive in a real browser, without reloading."""

import re

import pytest

from tests.conftest import TwoFactorClient
from tests.factories import BulletinFactory, member_of, officer_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


PHONE = {"width": 375, "height": 812}


def log_in(browser, live_server_url, user, *, viewport: dict[str, int] = PHONE):
    """A browser context with the user's session cookie, as if they had logged in (second factor included), on a
    phone's screen unless ``viewport`` says otherwise."""
    client = TwoFactorClient()
    client.force_login(user)
    context = browser.new_context(base_url=live_server_url, viewport=viewport)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}])
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    return context, page


def test_member_sees_a_published_bulletin_arrive(browser, live_server_url, sector_a, sector_b):
    member = member_of(sector_a, display_name="Mina Member")
    outsider = member_of(sector_b, display_name="Other Sector")
    officer = officer_user()
    bulletin = BulletinFactory(title="Road closures on Saturday", body="Regent Street closes at **11:00**.",
                               author=officer, severity="critical", sectors=[sector_a])

    member_context, member_page = log_in(browser, live_server_url, member)
    outsider_context, outsider_page = log_in(browser, live_server_url, outsider)
    officer_context, officer_page = log_in(browser, live_server_url, officer)
    try:
        for page in (member_page, outsider_page):
            page.goto("/dashboard/")
            page.wait_for_selector('#live-status[data-state="live"]', state="attached")
        officer_page.goto(f"/bulletins/{bulletin.pk}/")
        officer_page.get_by_role("link", name="Publish now").click()
        officer_page.get_by_role("button", name=re.compile(r"^Publish to \d+ members?$")).click()
        officer_page.wait_for_load_state()

        toast = member_page.locator(f'#live-toasts [data-bulletin="{bulletin.pk}"]')
        toast.wait_for(timeout=10_000)
        assert "Road closures on Saturday" in toast.inner_text()
        assert toast.get_attribute("role") == "alert"  # critical: stays until dismissed
        assert member_page.locator("#unread-count").inner_text() == "1"
        # The member of another sector got nothing.
        outsider_page.wait_for_timeout(500)
        assert outsider_page.locator("#live-toasts [data-bulletin]").count() == 0
        for page in (member_page, outsider_page, officer_page):
            assert page.csp_errors == []
    finally:
        for context in (member_context, outsider_context, officer_context):
            context.close()
