"""Bridge calls shown on other apps' pages, so that those apps need not import this one:
``{% load bridge %}{% incident_calls incident request.user %}`` lists an incident's calls in its room."""

from collections import defaultdict

from django import template
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from accounts import roles
from messaging.bridge import permissions, selectors
from messaging.bridge.models import Invitation, Outcome
from messaging.bulletins.models import Delivery

register = template.Library()

# The room shows this many upcoming and this many past calls; the calls page lists them all.
ROOM_CALLS = 10


@register.inclusion_tag("bridge/_incident_calls.html")
def incident_calls(incident, user) -> dict:
    """The incident's calls this user may see: upcoming (cancelled ones marked) and past, with the viewer's own
    invitation, and the decisions and actions of a call to those who may read its summary (officers: always,
    since they see every call). Never how to join: the dial-in details and PIN are on the call's own page.

    A fixed number of queries, however many calls, invitations and outcomes there are."""
    now = timezone.now()
    is_officer = roles.is_officer(user)
    calls = permissions.visible_calls(user).filter(incident=incident)
    if is_officer:  # how the invitations stand, on the same query
        calls = calls.annotate(
            invited=Count("invitations", distinct=True),
            accepted=Count("invitations", filter=Q(invitations__response__in=[
                Invitation.Response.ACCEPTED, Invitation.Response.DELEGATED]), distinct=True),
        )
    else:
        # May the member read the call's summary? The bulletins' rule (audience.visible_bulletins: published and
        # delivered to them), asked on the same query rather than after it. Officers read every bulletin.
        calls = calls.annotate(summary_delivered=Exists(Delivery.objects.filter(
            user=user, bulletin_id=OuterRef("summary_bulletin_id"), bulletin__published_at__isnull=False)))
    upcoming = list(selectors.upcoming_calls(calls, now)[:ROOM_CALLS])
    past = list(selectors.past_calls(calls, now)[:ROOM_CALLS + 1])
    more_past = len(past) > ROOM_CALLS
    past = past[:ROOM_CALLS]
    listed = upcoming + past
    # The viewer's own invitations, with whom they stand in for (the card names them): one query for both lists.
    prefetch_related_objects(listed, Prefetch("invitations", to_attr="own_invitations", queryset=Invitation.objects
                                              .filter(Q(user=user) | Q(deputy=user) | Q(delegate=user))
                                              .select_related("user")))

    readable = {call.summary_bulletin_id for call in listed
                if call.summary_bulletin_id and (is_officer or call.summary_delivered)}
    # The decisions of a call reach members through its summary (which the chair may have sent to the invitees
    # only): before it, or without it, they are the officers' to see.
    shown = [call.pk for call in listed if is_officer or call.summary_bulletin_id in readable]
    outcomes = defaultdict(list)
    if shown:
        for outcome in (Outcome.objects.filter(call_id__in=shown)
                        .select_related("owner_sector", "owner_organisation").order_by("recorded_at", "pk")):
            outcomes[outcome.call_id].append(outcome)
    for call in listed:
        call.room_outcomes = outcomes.get(call.pk, [])
        call.summary_readable = call.summary_bulletin_id in readable
    return {"incident": incident, "upcoming": upcoming, "past": past, "more_past": more_past,
            "is_officer": is_officer, "viewer": user}
