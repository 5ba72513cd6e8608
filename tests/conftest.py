from types import SimpleNamespace

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client, override_settings

from accounts import roles
from sectors.models import Borough, Sector
from tests.factories import MembershipFactory, UserFactory, member_of, officer_user, with_mfa


def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright keeps an event loop running in this thread until the session ends,
    which the async consumer tests cannot share."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """The production hasher is slow on purpose; the suite creates thousands of users."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _isolated_cache():
    """allauth's rate limits live in the cache (Redis on the production run): start every test clean."""
    cache.clear()
    yield
    cache.clear()


def complete_two_factor(session, user) -> None:
    """Record in the session that the user used their second factor, as allauth records it when they type a
    code or use a passkey at sign-in. Nothing for a user who has no second factor."""
    second_factors = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    authenticator = Authenticator.objects.filter(user_id=user.pk, type__in=second_factors).first()
    if authenticator is None:
        return
    record_authentication(SimpleNamespace(session=session), user, "mfa", id=authenticator.pk,
                          type=authenticator.type)
    session.save()


class TwoFactorClient(Client):
    """The test client whose force_login() stands for signing in through the login form: someone with a second
    factor has used it in that session, so role holders reach the portal (accounts.mfa asks every role
    holder's session for one). force_login(user, two_factor=False) is a session opened by password alone."""

    def force_login(self, user, backend=None, *, two_factor: bool = True):
        super().force_login(user, backend)
        if two_factor:
            complete_two_factor(self.session, user)


@pytest.fixture
def client() -> TwoFactorClient:
    """pytest-django's client, with force_login() signing in as the login form would (see TwoFactorClient)."""
    return TwoFactorClient()


@pytest.fixture
def password() -> str:
    return "correct-horse-battery"


@pytest.fixture
def verified_user(db, password):
    return UserFactory(password=password, verified=True)


@pytest.fixture
def officer(db):
    """A police liaison officer with two-factor set up (people.officer is another, in the matrices)."""
    return officer_user()


@pytest.fixture
def sector_a(db) -> Sector:
    return Sector.objects.get(slug="retail")


@pytest.fixture
def sector_b(db) -> Sector:
    return Sector.objects.get(slug="banking-and-finance")


@pytest.fixture
def westminster(db) -> Borough:
    return Borough.objects.get(slug="westminster")


@pytest.fixture
def camden(db) -> Borough:
    return Borough.objects.get(slug="camden")


@pytest.fixture
def people(db, sector_a, sector_b) -> SimpleNamespace:
    """One person per role of the permission matrices (sector A is Retail, sector B Banking and finance).

    anonymous is None; use client.force_login(people.<role>) for the others (the `client` fixture's
    force_login() completes the role holders' second factor, as signing in does).
    """
    unverified = UserFactory(verified=False)
    applicant = UserFactory(verified=True)
    MembershipFactory(user=applicant, sector=sector_a, status="applied")
    member_a = member_of(sector_a, display_name="Member A")
    member_b = member_of(sector_b, display_name="Member B")
    lead_a = member_of(sector_a, display_name="Lead A")
    roles.make_sector_lead(lead_a, sector_a)
    lead_b = member_of(sector_b, display_name="Lead B")
    roles.make_sector_lead(lead_b, sector_b)
    moderator_a = member_of(sector_a, display_name="Moderator A")
    moderator_a.groups.add(Group.objects.get(name=roles.MODERATORS))
    officer = UserFactory(verified=True, display_name="Officer")
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    admin = UserFactory(verified=True, display_name="Admin", is_staff=True, is_superuser=True)
    for role_holder in (lead_a, lead_b, moderator_a, officer, admin):
        with_mfa(role_holder)
    return SimpleNamespace(
        anonymous=None, unverified=unverified, applicant=applicant, member_a=member_a, member_b=member_b,
        lead_a=lead_a, lead_b=lead_b, moderator_a=moderator_a, officer=officer, admin=admin,
    )


ROLES = ["anonymous", "unverified", "applicant", "member_a", "member_b", "lead_a", "lead_b", "moderator_a",
         "officer", "admin"]


def client_as(client, people, role: str):
    """The test client logged in as people.<role> (or anonymous), second factor included for role holders."""
    user = getattr(people, role)
    if user is not None:
        Client.force_login(client, user)
        complete_two_factor(client.session, user)  # whichever client it is given
    return client
