"""Applying to sectors and deciding on applications; each action runs in one transaction."""

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import record
from common.actions import ActionRefused
from common.text import email_subject
from sectors.models import Borough, Membership, Organisation, Sector
from sectors.signals import audience_changed, membership_changed


class MembershipError(ActionRefused):
    """A decision that cannot be made in the membership's current state; the message says why."""


def _audience_changed_after_commit(user_ids: list[int]) -> None:
    transaction.on_commit(lambda: audience_changed.send(sender=Organisation, user_ids=user_ids))


def _organisation_for(user, *, name: str, registered_number: str, website: str, boroughs: Iterable[Borough]
                      ) -> Organisation:
    """The applicant's own organisation, the one on the Hub with this name, or a new one.

    Nobody is shown the list of organisations; one joins by its exact name, and joining gives no rights over
    the organisation until a sector lead has approved the membership (sectors.permissions).
    """
    if user.organisation_id:
        return user.organisation
    existing = Organisation.objects.named(name).first()
    if existing:
        return existing
    organisation = Organisation.objects.create(name=name.strip(), registered_number=registered_number,
                                               website=website)
    organisation.boroughs.set(boroughs)
    record(user, "organisation.create", organisation)
    return organisation


def apply_to_sectors(
    user, *, sectors: Iterable[Sector], statement: str, organisation_name: str = "", registered_number: str = "",
    website: str = "", boroughs: Iterable[Borough] = (),
) -> list[Membership]:
    """One application per sector, with the organisation the applicant names (joined or registered); refuses
    sectors the user already applied to (or belongs to). A new organisation exists only if the application
    does."""
    sectors = list(sectors)
    existing = set(
        Membership.objects.filter(user=user, sector__in=sectors).values_list("sector__name", flat=True)
    )
    if existing:
        raise MembershipError(f"You have already applied to {', '.join(sorted(existing))}.")
    try:
        with transaction.atomic():
            organisation = _organisation_for(user, name=organisation_name, registered_number=registered_number,
                                             website=website, boroughs=boroughs)
            if user.organisation_id != organisation.pk:
                user.organisation = organisation
                user.save(update_fields=["organisation"])
                _audience_changed_after_commit([user.pk])
            memberships = [
                Membership.objects.create(user=user, sector=sector, statement=statement) for sector in sectors
            ]
            for membership in memberships:
                record(user, "membership.apply", membership)
    except IntegrityError as error:  # a double submit racing the check above
        raise MembershipError("You have already applied to one of these sectors.") from error
    return memberships


@transaction.atomic
def update_organisation(organisation: Organisation, *, by, name: str, registered_number: str, website: str,
                        boroughs: Iterable[Borough]) -> Organisation:
    """Save an organisation's profile; the audit entry names the fields that changed."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before_boroughs = set(organisation.boroughs.values_list("pk", flat=True))
    boroughs = list(boroughs)
    changed = [field for field, value in (("name", name), ("registered_number", registered_number),
                                          ("website", website)) if getattr(organisation, field) != value]
    organisation.name, organisation.registered_number, organisation.website = name, registered_number, website
    organisation.save(update_fields=["name", "registered_number", "website"])
    if {borough.pk for borough in boroughs} != before_boroughs:
        organisation.boroughs.set(boroughs)
        changed.append("boroughs")
        _audience_changed_after_commit(list(organisation.people.values_list("pk", flat=True)))
    record(by, "organisation.update", organisation, changed=changed)
    return organisation


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
        subject=email_subject(f"Your membership of {membership.sector.name}: "
                              f"{membership.get_status_display().lower()}"),
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
