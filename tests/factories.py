"""Factories for test data; each app's factories live here so every test module shares them."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import User
from sectors.models import Sector


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """UserFactory(verified=True) also records a verified primary e-mail address."""
        if create and extracted:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sectors.Organisation"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n} Ltd")
    website = factory.Sequence(lambda n: f"https://org{n}.example.org")

    @factory.post_generation
    def boroughs(self, create, extracted, **kwargs):
        """OrganisationFactory(boroughs=[westminster, camden])"""
        if create and extracted:
            self.boroughs.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    """An application; MembershipFactory(status="approved") for an approved member."""
    class Meta:
        model = "sectors.Membership"

    user = factory.SubFactory(UserFactory, verified=True)
    sector = factory.Iterator(lambda: Sector.objects.all())
    statement = "We run premises in this sector and want the partnership's updates."
    status = "applied"


def member_of(*sectors, organisation=None, **user_fields):
    """A verified user approved in each of the given sectors."""
    user = UserFactory(verified=True, organisation=organisation or OrganisationFactory(), **user_fields)
    for sector in sectors:
        MembershipFactory(user=user, sector=sector, status="approved")
    return user


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_mfa(user, secret: str = TOTP_SECRET):
    """Give the user a TOTP authenticator, as everyone holding a role must have."""
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(secret)}}
    )
    return user


def officer_user(**user_fields):
    """A police liaison officer, with the two-factor authenticator their role requires."""
    user = with_mfa(UserFactory(verified=True, **{"display_name": "PC Liaison", **user_fields}))
    user.groups.add(Group.objects.get(name=roles.OFFICERS))
    return user


class BulletinFactory(factory.django.DjangoModelFactory):
    """A draft bulletin; BulletinFactory(sectors=[retail], boroughs=[camden]) sets its audience.
    Publish it through messaging.bulletins.services, as an officer would."""

    class Meta:
        model = "bulletins.Bulletin"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Bulletin {n}")
    body = "Expect disruption around Oxford Street from noon."
    author = factory.LazyFunction(officer_user)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def boroughs(self, create, extracted, **kwargs):
        if create and extracted:
            self.boroughs.set(extracted)
