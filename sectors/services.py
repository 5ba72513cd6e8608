"""Applying to sectors and deciding on applications; each action runs in one transaction."""

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import record
from hub.actions import ActionRefused
from sectors.models import Membership, Organisation, Sector
from sectors.signals import membership_changed


class MembershipError(ActionRefused):
    """A decision that cannot be made in the membership's current state; the message says why."""


def apply_to_sectors(
    user, *, organisation: Organisation, sectors: Iterable[Sector], statement: str
) -> list[Membership]:
    """One application per sector; refuses sectors the user already applied to (or belongs to)."""
    sectors = list(sectors)
    existing = set(
        Membership.objects.filter(user=user, sector__in=sectors).values_list("sector__name", flat=True)
    )
    if existing:
        raise MembershipError(f"You have already applied to {', '.join(sorted(existing))}.")
    try:
        with transaction.atomic():
            if user.organisation_id != organisation.pk:
                user.organisation = organisation
                user.save(update_fields=["organisation"])
            memberships = [
                Membership.objects.create(user=user, sector=sector, statement=statement) for sector in sectors
            ]
            for membership in memberships:
                record(user, "membership.apply", membership)
    except IntegrityError as error:  # a double submit racing the check above
        raise MembershipError("You have already applied to one of these sectors.") from error
    return memberships


def _decide(membership: Membership, *, by, status: str, reason: str, allowed_from: set[str], action: str) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user", "sector").get(pk=membership.pk)
        if membership.status not in allowed_from:
            raise MembershipError(
                f"This application is already {membership.get_status_display().lower()}; nothing was changed."
            )
        membership.status = status
        membership.decided_by = by
        membership.decided_at = timezone.now()
        membership.reason = reason
        membership.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        record(by, action, membership, reason=reason)
        transaction.on_commit(lambda: _notify(membership))
    return membership


def _notify(membership: Membership) -> None:
    # Access changes first (open sockets re-check), whatever happens to the e-mail.
    membership_changed.send(sender=Membership, membership=membership)
    context = {"membership": membership, "user": membership.user, "sector": membership.sector}
    send_mail(
        subject=f"[The Hub] Your membership of {membership.sector.name}: {membership.get_status_display().lower()}",
        message=render_to_string("sectors/email/decision.txt", context),
        from_email=None,
        recipient_list=[membership.user.email],
    )


def approve_membership(membership: Membership, *, by) -> Membership:
    return _decide(membership, by=by, status=Membership.Status.APPROVED, reason="",
                   allowed_from={Membership.Status.APPLIED}, action="membership.approve")


def refuse_membership(membership: Membership, *, by, reason: str) -> Membership:
    if not reason.strip():
        raise MembershipError("Give the applicant a reason for the refusal.")
    return _decide(membership, by=by, status=Membership.Status.REFUSED, reason=reason,
                   allowed_from={Membership.Status.APPLIED}, action="membership.refuse")


def suspend_membership(membership: Membership, *, by, reason: str) -> Membership:
    if not reason.strip():
        raise MembershipError("Give the member a reason for the suspension.")
    return _decide(membership, by=by, status=Membership.Status.SUSPENDED, reason=reason,
                   allowed_from={Membership.Status.APPROVED}, action="membership.suspend")


def reinstate_membership(membership: Membership, *, by) -> Membership:
    return _decide(membership, by=by, status=Membership.Status.APPROVED, reason="",
                   allowed_from={Membership.Status.SUSPENDED}, action="membership.reinstate")
