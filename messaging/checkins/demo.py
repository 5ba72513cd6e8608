"""Demo check-in: "are you affected?" open on the demo incident (Suspicious package, Oxford Circus: Retail, premises
in Westminster), answered by organisations in several sectors and boroughs (idempotent).

The incident's audience is Retail members with premises in Westminster; the demo's own organisations are too few
for a picture, so a handful more join Retail (some also approved in Hotels and hospitality, or Entertainment and
events), each with premises in Westminster and elsewhere: their answers name the borough concerned."""

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from messaging.bulletins.models import Incident
from messaging.checkins import services
from messaging.checkins.models import DEFAULT_CHOICES, CheckIn
from sectors.models import Borough, Membership, Organisation, Sector

QUESTION = "Are your premises or staff affected by the cordon around Oxford Circus?"

# Organisation: (its sectors, its premises' boroughs, the answer, the borough concerned, the note).
FIRMS = {
    "Regent Street Outfitters": (["retail"], ["westminster", "camden"], "Closed or evacuated", "westminster",
                                 "Shop inside the cordon; 40 staff moved to the Camden store."),
    "Marble Arch Hotel Group": (["retail", "hotels-and-hospitality"], ["westminster", "kensington-and-chelsea"],
                                "Affected, still operating", "westminster", "Guests kept inside; deliveries paused."),
    "Soho Theatres Ltd": (["retail", "entertainment-and-events"], ["westminster", "camden"], "Not affected",
                          "camden", ""),
    "Bond Street Jewellers": (["retail"], ["westminster"], "Need police contact", "westminster",
                              "A man photographed our staff entrance twice this morning; call the duty manager."),
    "Covent Garden Cafés": (["retail", "hotels-and-hospitality"], ["westminster", "camden"],
                            "Affected, still operating", "camden", "Fewer customers; open as normal."),
    "Carnaby Street Traders": (["retail"], ["westminster"], None, None, ""),  # not answered yet: for the chase
}


def _firm_member(name: str, sector_slugs: list[str], borough_slugs: list[str], admin) -> User:
    organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"verified": True})
    organisation.boroughs.set(Borough.objects.filter(slug__in=borough_slugs))
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    email = f"security@{slug}.example"
    user, _ = User.objects.update_or_create(
        email=email, defaults={"display_name": f"Security manager ({name})", "organisation": organisation,
                               "is_active": True, "phone": "+44 20 7946 0" + str(100 + len(slug))[-3:]})
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    for sector_slug in sector_slugs:
        Membership.objects.update_or_create(
            user=user, sector=Sector.objects.get(slug=sector_slug),
            defaults={"status": Membership.Status.APPROVED, "decided_by": admin, "decided_at": timezone.now(),
                      "statement": "We run premises in central London."})
    return user


def run(context: dict) -> None:
    people = context["people"]
    officer = people["officer"]
    incident = Incident.objects.filter(title="Suspicious package, Oxford Circus").first()
    if incident is None or CheckIn.objects.filter(incident=incident, question=QUESTION).exists():
        return
    firms = {name: _firm_member(name, sectors, boroughs, people["admin"])
             for name, (sectors, boroughs, *_rest) in FIRMS.items()}
    check_in = services.open_check_in(
        by=officer, question=QUESTION, incident=incident,
        choices=[services.ChoiceSpec(label, contact) for label, contact in DEFAULT_CHOICES])
    choices = {choice.label: choice for choice in check_in.choices.all()}
    for name, (_sectors, _boroughs, label, borough_slug, note) in FIRMS.items():
        if label is None:
            continue
        member = firms[name]
        services.answer(check_in, member.organisation, choices[label], note,
                        Borough.objects.get(slug=borough_slug), member)
    # The demo member (Oxford Street Stores, Retail, Westminster) first said "not affected", then changed it: the
    # page shows the organisation's history.
    member = people.get("member")
    if member is not None and member.organisation_id and check_in.carrier.deliveries.filter(user=member).exists():
        westminster = Borough.objects.get(slug="westminster")
        services.answer(check_in, member.organisation, choices["Not affected"], "", westminster, member)
        services.answer(check_in, member.organisation, choices["Affected, still operating"],
                        "Oxford Circus entrance closed; customers use the side door.", westminster, member)
