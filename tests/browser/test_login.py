import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_member_logs_in_through_the_form_and_sees_the_dashboard(page, verified_user, password, tmp_path):
    page.goto("/")
    # On a phone-sized screen the navigation is collapsed behind the toggler.
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail").fill(verified_user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()

    page.wait_for_url("**/dashboard/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"Welcome, {verified_user.display_name}"
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 0
    # Nothing on the page overflows a 375 px wide phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    errors = [m.text for m in page.console_messages if m.type == "error"]
    assert errors == []


def test_wrong_password_shows_the_error_in_the_browser(page, verified_user):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(verified_user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in", exact=True).click()
    assert page.get_by_text("The e-mail address and/or password you entered are not correct.").is_visible()
    assert page.get_by_label("E-mail").input_value() == verified_user.email


def test_pages_render_without_csp_violations(page, verified_user, password):
    csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        response = page.goto(path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(verified_user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/dashboard/")
    for path in ["/dashboard/", "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]:
        page.goto(path)
    assert csp_errors == []
