"""Demo people: one of each role, with known passwords (development only)."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt

from accounts.models import User

DEMO_PASSWORD = "hub-demo-2026"
# Role holders must use two-factor authentication; the demo ones share this secret so that
# `python manage.py demo_code` can print the current code (development only, like the password).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ROLE_KEYS = {"admin", "officer", "moderator", "lead"}


@dataclass(frozen=True)
class DemoPerson:
    key: str
    email: str
    display_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


PEOPLE = [
    DemoPerson("admin", "admin@hub.example", "Alex Admin", "administrator", is_staff=True, is_superuser=True),
    DemoPerson("officer", "officer@hub.example", "PC Olivia Okafor (Met liaison)", "police liaison officer"),
    DemoPerson("moderator", "moderator@hub.example", "Morgan Moderator", "moderator"),
    DemoPerson("lead", "lead@hub.example", "Lee Lead (Retail lead)", "sector lead"),
    DemoPerson("member", "member@hub.example", "Mina Member (Oxford St Stores)", "business member"),
    DemoPerson("member2", "member2@hub.example", "Ben Banker (Thames Bank)", "business member"),
]


def run(context: dict) -> None:
    """Create (or refresh) the demo people; later steps find them in context["people"]."""
    people = {}
    for person in PEOPLE:
        user, _ = User.objects.update_or_create(
            email=person.email,
            defaults={
                "display_name": person.display_name,
                "is_staff": person.is_staff,
                "is_superuser": person.is_superuser,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=person.email, defaults={"verified": True, "primary": True}
        )
        if person.key in ROLE_KEYS:
            Authenticator.objects.update_or_create(
                user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(DEMO_TOTP_SECRET)}}
            )
        people[person.key] = user
    context["people"] = people
    context.setdefault("logins", []).extend((p.role, p.email, DEMO_PASSWORD) for p in PEOPLE)
