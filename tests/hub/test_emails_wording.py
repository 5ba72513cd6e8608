"""Every e-mail the portal sends speaks as the Hub and links to SITE_URL: never Django's or allauth's defaults
("Hello from 127.0.0.1:8000!", "example.com"), never the host the request happened to arrive on.

Each message is produced by the real flow (allauth's views, the services), then its subject and body are read.
"""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from messaging.board import services as board_services
from messaging.board.models import Forum
from messaging.bulletins import services as bulletin_services
from sectors import services
from sectors.models import Membership, OrganisationAdministrator, OrganisationJoinRequest
from tests.factories import BulletinFactory, MembershipFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

SITE_URL = "https://hub.example.org"
DEFAULTS = ["Hello from", "Thank you for using", "example.com", "127.0.0.1", "testserver", "localhost"]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a call as if its transaction committed: the e-mails the services send after commit go."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def only_message(to: str):
    messages = [message for message in mail.outbox if message.to == [to]]
    assert len(messages) == 1, [m.subject for m in mail.outbox]
    return messages[0]


def assert_portal_wording(message, *, subject: str, says: str, link: str | None) -> None:
    """The Hub's subject and sign-off, none of the frameworks' defaults, every link on SITE_URL (and the one
    that matters among them)."""
    assert message.subject.startswith("[The Hub] ") and subject in message.subject, message.subject
    for default in DEFAULTS:
        assert default not in message.subject + message.body, (default, message.body)
    assert says in message.body, message.body
    assert "The Hub" in message.body
    links = re.findall(r"https?://\S+", message.body)
    assert links, message.body
    assert all(url.startswith(SITE_URL + "/") for url in links), links
    if link is not None:
        assert any(url.startswith(SITE_URL + link) for url in links), (link, links)


def test_sign_up_verification(client):
    client.post(reverse("account_signup"), {"email": "new@acme.example", "display_name": "Sam Patel",
                                            "password1": "a-long-new-password", "password2": "a-long-new-password"})
    message = only_message("new@acme.example")
    assert_portal_wording(message, subject="Confirm your e-mail address", says="open an account on the Hub",
                          link="/accounts/confirm-email/")
    path = re.search(re.escape(SITE_URL) + r"(/accounts/confirm-email/\S+)", message.body).group(1)
    assert client.get(path).status_code == 200  # the link works


def test_sign_up_with_an_address_that_has_an_account(client, verified_user):
    client.post(reverse("account_signup"), {"email": verified_user.email, "display_name": "Again",
                                            "password1": "a-long-new-password", "password2": "a-long-new-password"})
    assert_portal_wording(only_message(verified_user.email), subject="You already have an account",
                          says="already has an account", link=reverse("account_reset_password"))


def test_password_reset(client, verified_user):
    client.post(reverse("account_reset_password"), {"email": verified_user.email})
    message = only_message(verified_user.email)
    assert_portal_wording(message, subject="Reset your password", says="reset the password of your account",
                          link="/accounts/password/reset/key/")
    path = re.search(re.escape(SITE_URL) + r"(/accounts/password/reset/key/\S+)", message.body).group(1)
    assert client.get(path).status_code == 302  # allauth's key check, then the form: the key is right


def test_password_reset_for_an_unknown_address(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@acme.example"})
    assert_portal_wording(only_message("nobody@acme.example"), subject="No account with this address",
                          says="there is no account with it", link=reverse("account_signup"))


@pytest.mark.parametrize(("decide", "subject", "says", "link"), [
    (lambda m, lead: services.approve_membership(m, by=lead), "approved", "is approved", "/sectors/retail/"),
    (lambda m, lead: services.refuse_membership(m, by=lead, reason="Unknown firm"), "refused",
     "you can apply again", "/sectors/mine/"),
])
def test_membership_decisions(people, sector_a, committed, decide, subject, says, link):
    applicant = UserFactory(verified=True)
    membership = MembershipFactory(user=applicant, sector=sector_a)
    committed(decide, membership, people.lead_a)
    assert_portal_wording(only_message(applicant.email), subject=subject, says=says, link=link)


def test_suspension(people, sector_a, committed):
    committed(services.suspend_membership, Membership.objects.get(user=people.member_a), by=people.lead_a,
              reason="Left")
    assert_portal_wording(only_message(people.member_a.email), subject="suspended", says="Reason: Left",
                          link="/sectors/mine/")


@pytest.mark.parametrize("approve", [True, False])
def test_join_request_and_its_decision(people, committed, approve):
    organisation = people.member_a.organisation
    OrganisationAdministrator.objects.create(organisation=organisation, user=people.member_a)
    joiner = UserFactory(verified=True)
    committed(services.name_organisation, joiner, organisation_name=organisation.name, statement="I run the shop")
    assert_portal_wording(only_message(people.member_a.email), subject="asks to join", says="asks to join",
                          link=reverse("sectors:join_requests"))
    join_request = OrganisationJoinRequest.objects.get(user=joiner)
    if approve:
        committed(services.approve_join_request, join_request, by=people.member_a)
        expected = {"subject": "approved", "says": "You now represent it", "link": organisation.get_absolute_url()}
    else:
        committed(services.refuse_join_request, join_request, by=people.member_a, reason="Not one of ours")
        expected = {"subject": "refused", "says": "name another organisation", "link": "/sectors/mine/"}
    assert_portal_wording(only_message(joiner.email), **expected)


@pytest.mark.parametrize("approve", [True, False])
def test_thread_decision(people, sector_a, committed, approve):
    author = member_of(sector_a)
    forum = Forum.objects.get(sector=sector_a)
    thread = board_services.start_thread(forum, author=author, title="Shoplifting ring", body="Seen on Oxford St")
    if approve:
        committed(board_services.approve_thread, thread, by=people.admin)
    else:
        committed(board_services.reject_thread, thread, by=people.admin, reason="Names a suspect")
    assert_portal_wording(only_message(author.email), subject="Shoplifting ring",
                          says="approved" if approve else "Names a suspect", link=thread.get_absolute_url())


def test_bulletin(people, sector_a, officer, committed):
    bulletin = BulletinFactory(title="Road closures", sectors=[sector_a], author=officer)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        committed(bulletin_services.publish_bulletin, bulletin, by=officer)
    assert_portal_wording(only_message(people.member_a.email), subject="Road closures", says="Road closures",
                          link=bulletin.get_absolute_url())
