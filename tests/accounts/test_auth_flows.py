"""allauth end to end with the test client: sign up, verify, log in, log out, rate limits."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_signup_verify_login_logout(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Sam.Patel@Acme.example",
            "display_name": "Sam Patel (Acme Retail)",
            "password1": "a-long-new-password",
            "password2": "a-long-new-password",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="sam.patel@acme.example")
    assert user.display_name == "Sam Patel (Acme Retail)"

    # Not verified yet: logging in sends the user back to the verification notice.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam.patel@acme.example"]
    assert message.subject.startswith("[The Hub]")
    confirm_url = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "sam.patel@acme.example", "password": "a-long-new-password"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    response = client.get(confirm_url)
    assert response.status_code == 200
    assert b"Confirm" in response.content
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified

    response = client.post(
        reverse("account_login"), {"login": "sam.patel@acme.example", "password": "a-long-new-password"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "Welcome, Sam Patel (Acme Retail)" in dashboard.content.decode()

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_signup_form_errors_keep_what_was_typed(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "keep@example.org", "display_name": "Keep Me", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="keep@example.org"' in page
    assert 'value="Keep Me"' in page
    assert "You must type the same password each time" in page or "too short" in page
    assert not User.objects.filter(email="keep@example.org").exists()


def test_signup_requires_display_name(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "noname@example.org", "display_name": "   ", "password1": "a-long-new-password",
         "password2": "a-long-new-password"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="noname@example.org").exists()


def test_wrong_password_shows_the_form_error(client, verified_user):
    response = client.post(reverse("account_login"), {"login": verified_user.email, "password": "not-it"})
    assert response.status_code == 200
    assert "The e-mail address and/or password you entered are not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_verified_user_logs_in(client, verified_user, password):
    response = client.post(reverse("account_login"), {"login": verified_user.email, "password": password})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == verified_user.pk


def test_login_rate_limit_kicks_in_after_repeated_failures(client, verified_user, password):
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": verified_user.email, "password": "wrong"})
        assert "not correct" in response.content.decode()
    # Even the right password is refused now, with allauth's message.
    response = client.post(reverse("account_login"), {"login": verified_user.email, "password": password})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_mail(client, verified_user):
    response = client.post(reverse("account_reset_password"), {"email": verified_user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_dashboard_needs_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_home_page_is_public_and_offers_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("account_signup") in response.content.decode()


def test_signed_in_home_goes_to_dashboard(client, verified_user):
    client.force_login(verified_user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_the_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def _sign_up(client, display_name: str, email: str = "new.member@example.org"):
    return client.post(reverse("account_signup"), {
        "email": email, "display_name": display_name, "password1": "a-long-new-password",
        "password2": "a-long-new-password",
    })


@pytest.mark.parametrize("name", [
    "PC Olivia Okafor", "DC Smith", "Olivia (Met liaison)", "Police Scotland desk", "duty officer Sam",
    "Forum MODERATOR", "P.C. Olivia", "Ｐｏｌｉｃｅ desk", "Sam (Officers)", "Pol\u200bice desk",
    "PoIice desk", "Constab1e Sam", "M.E.T. liaison", "P\u0106 Olivia",
])
def test_sign_up_refuses_names_that_imitate_a_role(client, name):
    response = _sign_up(client, name)
    assert response.status_code == 200
    page = response.content.decode()
    assert "include words like" in page and "role badge" in page
    assert not User.objects.filter(email="new.member@example.org").exists()


@pytest.mark.parametrize("name", ["Sam Patel (Acme Retail)", "Metro Bank desk", "Dcosta Ltd", "Pcworld Ops",
                                  "Metcalfe", "Officium Ltd"])
def test_sign_up_accepts_names_that_merely_contain_those_letters(client, name):
    assert _sign_up(client, name).status_code == 302
    assert User.objects.get(email="new.member@example.org").display_name == name


def test_the_confirmation_email_to_an_unverified_address_carries_no_text_the_sender_chose(client):
    assert _sign_up(client, "URGENT call 0800 123").status_code == 302
    (message,) = mail.outbox
    assert message.to == ["new.member@example.org"]
    for text in (message.subject, message.body):
        assert "URGENT" not in text and "0800" not in text
    assert "/accounts/confirm-email/" in message.body
