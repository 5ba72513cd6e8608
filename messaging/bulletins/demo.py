"""Demo bulletins: a march pre-planning notice, an active incident with three updates, a fraud alert."""

from datetime import timedelta

from django.utils import timezone

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Incident
from sectors.models import Borough, Sector


def _bulletin(title: str, *, author, sectors=(), boroughs=(), **fields) -> Bulletin:
    bulletin, created = Bulletin.objects.get_or_create(title=title, defaults={"author": author, **fields})
    if created:
        bulletin.sectors.set(sectors)
        bulletin.boroughs.set(boroughs)
    if not bulletin.is_published:
        services.publish_bulletin(bulletin, by=author)
    return bulletin


def run(context: dict) -> None:
    people = context["people"]
    officer = people["officer"]
    retail = Sector.objects.get(slug="retail")
    hotels = Sector.objects.get(slug="hotels-and-hospitality")
    banking = Sector.objects.get(slug="banking-and-finance")
    westminster = Borough.objects.get(slug="westminster")
    saturday = (timezone.now() + timedelta(days=(5 - timezone.now().weekday()) % 7 or 7)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )

    march = _bulletin(
        "Pre-planning: march from Hyde Park to Whitehall on Saturday",
        author=officer, sectors=[retail, hotels], boroughs=[westminster],
        kind=Bulletin.Kind.PRE_PLANNING, severity=Bulletin.Severity.ADVISORY, ack_requested=True,
        starts_at=saturday, ends_at=saturday + timedelta(hours=5), location="Park Lane, Piccadilly, Whitehall",
        body=(
            "A march of about **20,000 people** is expected from Hyde Park Corner at noon, along Piccadilly and "
            "Haymarket to Whitehall.\n\n- Expect road closures from 11:00\n- Deliveries before 10:00 please\n"
            "- Brief your staff on evacuation routes\n\nThe liaison team will post live updates on the day."
        ),
    )
    _bulletin(
        "Fraud alert: invoice redirection e-mails impersonating suppliers",
        author=officer, sectors=[banking], kind=Bulletin.Kind.FRAUD_ALERT, severity=Bulletin.Severity.WARNING,
        body="Several firms received e-mails asking them to change a supplier's bank details. Always confirm by "
             "phone on a number you already hold. Report attempts to Action Fraud.",
    )

    incident = Incident.objects.filter(title="Suspicious package, Oxford Circus").first()
    if incident is None:
        incident = services.open_incident(title="Suspicious package, Oxford Circus", sectors=[retail],
                                          boroughs=[westminster], by=officer)
        for title, body, severity in [
            ("Cordon in place", "A 100 m cordon is in place around Oxford Circus. Keep staff and customers inside.",
             Bulletin.Severity.WARNING),
            ("Station closed", "Oxford Circus station is closed. Use Bond Street or Tottenham Court Road.",
             Bulletin.Severity.WARNING),
            ("Cordon reducing", "Specialist officers are on scene; the cordon is reducing to Regent Street north.",
             Bulletin.Severity.ADVISORY),
        ]:
            services.post_incident_update(incident, title=title, body=body, severity=severity, by=officer)

    member = people["member"]
    if march.deliveries.filter(user=member).exists():
        services.acknowledge(march, user=member)
