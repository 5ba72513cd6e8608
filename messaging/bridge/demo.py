"""Demo bridge calls on the demo incident: one scheduled two hours ahead with mixed answers, and one held this
morning with its roll call, decisions and actions and its published summary (idempotent)."""

from datetime import timedelta

from django.utils import timezone

from messaging.bridge import minutes, services
from messaging.bridge.models import BridgeCall, Invitation, Outcome
from messaging.bulletins.models import Incident
from sectors.models import Sector

INCIDENT_TITLE = "Suspicious package, Oxford Circus"  # messaging.bulletins.demo opens it
UPCOMING_TITLE = "Oxford Circus: reopening plan"
PAST_TITLE = "Oxford Circus: first bridge call"
DIAL_IN = "+44 20 7946 0000\n+44 20 7946 0001"


def run(context: dict) -> None:
    incident = Incident.objects.filter(title=INCIDENT_TITLE).first()
    if incident is None:
        return
    people = context["people"]
    officer = people["officer"]
    sectors = list(Sector.objects.filter(slug__in=["retail", "banking-and-finance"]))
    now = timezone.now().replace(second=0, microsecond=0)

    if not BridgeCall.objects.filter(incident=incident, title=UPCOMING_TITLE).exists():
        call = services.schedule_call(
            by=officer, sectors=sectors, named=[people["lead"]], title=UPCOMING_TITLE, incident=incident,
            starts_at=now + timedelta(hours=2), duration_minutes=45, dial_in=DIAL_IN, access_pin="482913",
            join_url="https://meet.example.org/hub-bridge", chair=officer, capacity=50,
            agenda="1. Where the cordon stands\n2. Reopening Oxford Circus station\n3. Deliveries and staff access",
        )
        answers = {people["member"].pk: "accepted", people["member2"].pk: "declined"}  # the lead has not answered
        for invitation in call.invitations.all():
            if invitation.user_id in answers:
                services.respond(invitation, by=invitation.user, response=answers[invitation.user_id])

    if not BridgeCall.objects.filter(incident=incident, title=PAST_TITLE).exists():
        _past_call(incident, people, sectors, now)


def _past_call(incident: Incident, people: dict, sectors: list[Sector], now) -> None:
    """The scheduling service refuses a start in the past (rightly): the call held this morning is written as the
    rows it would have left, then kept and summarised through the chair's own services."""
    officer = people["officer"]
    started = now - timedelta(hours=3)
    call = BridgeCall.objects.create(
        title=PAST_TITLE, incident=incident, starts_at=started, duration_minutes=30, dial_in=DIAL_IN,
        access_pin="771204", chair=officer, created_by=officer, agenda="1. The cordon\n2. Staff and customers",
        created_at=started - timedelta(hours=1),
    )
    call.sectors.set(sectors)
    by_sector = {sector.slug: sector for sector in sectors}
    member, member2, lead = people["member"], people["member2"], people["lead"]
    rows = [
        (member, by_sector.get("retail"), people.get("moderator"), Invitation.Response.ACCEPTED, None, True),
        (member2, by_sector.get("banking-and-finance"), people.get("deputy"), Invitation.Response.DELEGATED,
         people.get("deputy"), True),
        (lead, None, None, Invitation.Response.ACCEPTED, None, False),
    ]
    for user, sector, deputy, response, delegate, attended in rows:
        invitation = Invitation.objects.create(call=call, user=user, sector=sector, deputy=deputy, response=response,
                                               delegate=delegate, responded_by=user, responded_at=started,
                                               invited_at=started - timedelta(hours=1))
        if attended:
            minutes.mark_attended(invitation, True, by=officer)
    retail = by_sector.get("retail")
    stores = member.organisation
    for kind, text, owner, due in [
        (Outcome.Kind.DECISION, "Keep staff and customers **inside** until the cordon is lifted.", {}, None),
        (Outcome.Kind.DECISION, "Oxford Circus station stays closed; use Bond Street or Tottenham Court Road.", {},
         None),
        (Outcome.Kind.ACTION, "Brief store managers on the route staff use to leave the cordon.",
         {"owner_sector": retail}, now + timedelta(hours=2)),
        (Outcome.Kind.ACTION, "Hold deliveries to the Regent Street entrance until the road reopens.",
         {"owner_organisation": stores} if stores else {}, now + timedelta(hours=4)),
    ]:
        minutes.record_outcome(call, kind=kind, text=text, due_at=due, by=officer, **owner)
    minutes.publish_summary(call, by=officer, audience=minutes.Audiences.INCIDENT, ack_requested=True)
