"""Demo organisations, memberships and roles (idempotent)."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from sectors.models import (
    Borough,
    BridgeRepresentative,
    Membership,
    Organisation,
    OrganisationAdministrator,
    OrganisationJoinRequest,
    Sector,
)

ORGANISATIONS = {
    "Oxford Street Stores": ["westminster", "camden"],
    "Thames Bank": ["city-of-london", "tower-hamlets"],
    "Southbank Hotels": ["southwark", "lambeth", "westminster"],
    "Metropolitan Police Service": [],
}


def _organisation(name: str) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"verified": True})
    organisation.boroughs.set(Borough.objects.filter(slug__in=ORGANISATIONS[name]))
    return organisation


def _membership(user, sector_slug: str, status: str, decided_by=None, statement: str = "") -> None:
    Membership.objects.update_or_create(
        user=user, sector=Sector.objects.get(slug=sector_slug),
        defaults={
            "status": status,
            "statement": statement or "We operate premises in London and want the partnership's updates.",
            "decided_by": decided_by if status != Membership.Status.APPLIED else None,
            "decided_at": timezone.now() if status != Membership.Status.APPLIED else None,
        },
    )


def run(context: dict) -> None:
    people = context["people"]
    admin, officer, moderator, lead = people["admin"], people["officer"], people["moderator"], people["lead"]
    member, member2 = people["member"], people["member2"]
    stores, bank, hotels = (_organisation(n) for n in ["Oxford Street Stores", "Thames Bank", "Southbank Hotels"])
    police = _organisation("Metropolitan Police Service")

    for user, organisation in [(member, stores), (moderator, stores), (lead, hotels), (member2, bank),
                               (officer, police)]:
        user.organisation = organisation
        user.save(update_fields=["organisation"])

    # The person who registers an organisation is its first administrator: edits it, decides who joins it.
    for user, organisation in [(member, stores), (lead, hotels), (member2, bank)]:
        OrganisationAdministrator.objects.get_or_create(organisation=organisation, user=user)

    approved = Membership.Status.APPROVED
    _membership(member, "retail", approved, admin)
    _membership(moderator, "retail", approved, admin)
    _membership(lead, "retail", approved, admin)
    _membership(lead, "hotels-and-hospitality", approved, admin)
    _membership(member2, "banking-and-finance", approved, admin)
    _membership(member2, "insurance", approved, admin)

    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    moderator.groups.add(Group.objects.get(name=roles.MODERATORS))
    for slug in ["retail", "hotels-and-hospitality"]:
        roles.make_sector_lead(lead, Sector.objects.get(slug=slug))

    applicant, _ = User.objects.get_or_create(
        email="applicant@hub.example", defaults={"display_name": "Ada Applicant (Covent Garden Market)"}
    )
    applicant.set_password(DEMO_PASSWORD)
    if not OrganisationJoinRequest.objects.filter(user=applicant, status="approved").exists():
        applicant.organisation = None  # until Southbank Hotels' administrator (the lead) approves the request below
    applicant.save()
    EmailAddress.objects.update_or_create(user=applicant, email=applicant.email,
                                          defaults={"verified": True, "primary": True})
    if not Membership.objects.filter(user=applicant, sector__slug="retail").exists():
        _membership(applicant, "retail", Membership.Status.APPLIED,
                    statement="We run 40 market stalls in Covent Garden and want the Retail sector's alerts.")
    if not applicant.organisation_id and not OrganisationJoinRequest.objects.filter(user=applicant).exists():
        OrganisationJoinRequest.objects.create(
            user=applicant, organisation=hotels,
            statement="I run the hotels' market stalls in Covent Garden and look after their security.")
    people["applicant"] = applicant
    context["logins"].append(("applicant (pending)", applicant.email, DEMO_PASSWORD))

    _bridge_representatives(people, context)


def _bridge_representatives(people: dict, context: dict) -> None:
    """Retail: Mina Member represents it, Morgan Moderator deputises. Banking and finance: Ben Banker, with a
    colleague from Thames Bank as deputy (a sector's deputy must be another approved member of it)."""
    member, member2, moderator, lead = people["member"], people["member2"], people["moderator"], people["lead"]
    deputy, _ = User.objects.update_or_create(
        email="deputy@hub.example", defaults={"display_name": "Dev Deputy (Thames Bank)", "is_active": True,
                                              "organisation": member2.organisation})
    deputy.set_password(DEMO_PASSWORD)
    deputy.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=deputy, email=deputy.email,
                                          defaults={"verified": True, "primary": True})
    _membership(deputy, "banking-and-finance", Membership.Status.APPROVED, people["admin"])
    people["deputy"] = deputy
    context["logins"].append(("bridge deputy", deputy.email, DEMO_PASSWORD))

    # Named by Retail's lead; Banking and finance has no lead in the demo, so the administrator named theirs.
    for slug, person, stand_in, named_by in [("retail", member, moderator, lead),
                                             ("banking-and-finance", member2, deputy, people["admin"])]:
        BridgeRepresentative.objects.update_or_create(
            sector=Sector.objects.get(slug=slug), user=person, defaults={"deputy": stand_in, "appointed_by": named_by})
