"""Passkeys in a real browser: an officer registers one with chromium's virtual authenticator (DevTools'
WebAuthn domain) and signs in with it, alone or after the password, and lands on an officer page; allauth's
WebAuthn pages run under our CSP without a violation.

WebAuthn needs a secure context and a domain as relying party: http://localhost counts, 127.0.0.1 does not (an
IP address cannot be a relying-party id), so these pages are opened on localhost.
"""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.contrib.auth.models import Group

from accounts import roles
from tests.conftest import TwoFactorClient
from tests.factories import TOTP_SECRET, UserFactory, with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OFFICER_PAGE = "/bulletins/manage/"


@pytest.fixture
def passkey_page(browser, live_server_url):
    """A page on http://localhost:<port> with a virtual platform authenticator (user verification on)."""
    context = browser.new_context(base_url=live_server_url.replace("127.0.0.1", "localhost"))
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: (m.type == "error" or "Content Security Policy" in m.text)
            and page.problems.append(m.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    page.authenticator_id = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})["authenticatorId"]
    page.cdp = cdp
    yield page
    context.close()


def officer(password, **fields):
    user = UserFactory(verified=True, password=password, display_name="PC Passkey", **fields)
    user.groups.add(Group.objects.get(name=roles.OFFICERS))
    return user


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, next(yield_hotp_counters_from_time())))


def sign_in_with_password(page, user, password):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_load_state()


def add_passkey(page, password, *, passwordless: bool):
    """Add a passkey from the two-factor pages (allauth asks for the password again first)."""
    page.goto("/accounts/2fa/webauthn/add/")
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("Work laptop")
    if passwordless:
        page.get_by_label("Passwordless").check()
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")  # allauth shows the recovery codes it generated


def log_out(page):
    page.goto("/accounts/logout/")
    page.get_by_role("main").get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")


def assert_on_officer_page(page):
    response = page.goto(OFFICER_PAGE)
    assert response.status == 200
    assert page.url.endswith(OFFICER_PAGE)  # not sent to set up or confirm a second factor
    assert page.get_by_role("heading", level=1).inner_text() == "Bulletins"


def test_new_officer_registers_a_passkey_then_signs_in_with_it_alone(passkey_page, password):
    page = passkey_page
    user = officer(password)

    # A new officer has no second factor: the set-up page offers an authenticator app or a passkey.
    sign_in_with_password(page, user, password)
    page.wait_for_url("**/accounts/2fa/")
    assert page.get_by_text("needs two-factor authentication").is_visible()
    add_passkey(page, password, passwordless=True)
    passkey = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().is_passwordless
    credentials = page.cdp.send("WebAuthn.getCredentials", {"authenticatorId": page.authenticator_id})
    assert len(credentials["credentials"]) == 1 and credentials["credentials"][0]["isResidentCredential"]
    # Setting it up proved it in this session: the officer pages open without asking again.
    assert_on_officer_page(page)

    log_out(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with a passkey").click()
    page.wait_for_url("**/dashboard/")
    assert_on_officer_page(page)
    assert page.problems == []


def test_officer_with_an_app_adds_a_passkey_and_uses_it_as_the_second_factor(passkey_page, password):
    page = passkey_page
    user = with_mfa(officer(password))

    sign_in_with_password(page, user, password)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(current_code())
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/dashboard/")
    add_passkey(page, password, passwordless=False)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1

    log_out(page)
    sign_in_with_password(page, user, password)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url("**/dashboard/")
    assert_on_officer_page(page)
    assert page.problems == []


def test_a_session_opened_without_the_passkey_confirms_with_it_on_its_own_page(passkey_page, password,
                                                                             live_server_url):
    page = passkey_page
    user = officer(password)
    sign_in_with_password(page, user, password)
    page.wait_for_url("**/accounts/2fa/")
    add_passkey(page, password, passwordless=False)
    log_out(page)

    # A session that proved only the password (opened before the role, say): the portal asks for the passkey.
    other_session = TwoFactorClient()
    other_session.force_login(user, two_factor=False)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": other_session.cookies["sessionid"].value,
                               "url": live_server_url.replace("127.0.0.1", "localhost")}])
    page.goto(OFFICER_PAGE)
    page.wait_for_url("**/accounts/2fa/webauthn/reauthenticate/**")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(f"**{OFFICER_PAGE}")
    assert_on_officer_page(page)
    assert page.problems == []
