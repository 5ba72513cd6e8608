"""The compose form's audience multi-select, used with the keyboard only, in a real browser (static/multiselect.js);
and the error summary takes the focus when the form comes back."""

import pytest

from tests.browser.test_live import log_in
from tests.factories import officer_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_officer_searches_and_selects_boroughs_with_the_keyboard(browser, live_server_url):
    context, page = log_in(browser, live_server_url, officer_user())
    try:
        page.goto("/bulletins/manage/new/")
        search = page.get_by_label("Search Boroughs")
        search.focus()
        page.keyboard.type("cam")
        page.keyboard.press("Enter")  # searching does not send the form
        assert page.url.endswith("/bulletins/manage/new/")
        assert page.get_by_label("Camden", exact=True).is_visible()
        assert not page.get_by_label("Westminster", exact=True).is_visible()
        assert not page.locator("#id_boroughs legend", has_text="Outer London").is_visible()
        page.keyboard.press("Tab")  # to "Select all" (of what the search shows)
        assert page.evaluate("document.activeElement.textContent") == "Select all"
        page.keyboard.press("Enter")
        assert page.get_by_label("Camden", exact=True).is_checked()
        assert page.locator("#id_boroughs .multiselect-count").inner_text() == "1 of 33 selected"
        search.focus()
        page.keyboard.press("Escape")  # the search cleared: every borough again, Camden still chosen
        assert page.get_by_label("Westminster", exact=True).is_visible()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Clear"
        page.keyboard.press("Space")
        assert not page.get_by_label("Camden", exact=True).is_checked()

        # Sent with errors: the summary at the top has the focus, and its links lead to the fields.
        page.get_by_label("Title").fill("x")
        page.get_by_role("button", name="Save draft").click()
        page.wait_for_load_state()
        assert page.evaluate("document.activeElement.getAttribute('data-error-summary')") == ""
        page.get_by_role("link", name="Sectors: Choose at least one sector").click()
        assert page.url.endswith("#id_sectors")
        assert page.csp_errors == []
    finally:
        context.close()
