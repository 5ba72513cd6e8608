"""Applying to sectors and deciding on applications; each action runs in one transaction.

What an action does after its transaction commits (re-checking open sockets through the signals, e-mailing
the people concerned) is one guarded step each (``_after_commit``): the decision is made and saved by then,
so a step that fails (Redis down, the mail server refusing) is logged and neither fails the request nor
skips the steps after it.
"""

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from common import usercache
from common.actions import ActionRefused
from common.text import email_subject
from sectors.models import (
    Borough,
    BridgeRepresentative,
    Membership,
    Organisation,
    OrganisationAdministrator,
    OrganisationJoinRequest,
    Sector,
)
from sectors.selectors import waiting_changed
from sectors.signals import audience_changed, membership_changed

logger = logging.getLogger(__name__)


class MembershipError(ActionRefused):
    """A decision that cannot be made in the membership's current state; the message says why."""


def _after_commit(step: Callable[[], None]) -> None:
    """Run ``step`` once the transaction commits; if it raises, Django logs it and runs the next step anyway
    (``robust``), and the request that made the change still succeeds."""
    transaction.on_commit(step, robust=True)


def _send_robust(signal: Signal, **kwargs) -> None:
    """Send a signal to every receiver even if one fails (one raising would skip the rest); log the failures."""
    for receiver, result in signal.send_robust(**kwargs):
        if isinstance(result, Exception):
            logger.error("Receiver %r of a sectors signal failed", receiver,
                         exc_info=(type(result), result, result.__traceback__))


def _audience_changed_after_commit(user_ids: list[int]) -> None:
    _after_commit(lambda: _send_robust(audience_changed, sender=Organisation, user_ids=user_ids))


def _has_pending_join(user) -> bool:
    return OrganisationJoinRequest.objects.pending().filter(user=user).exists()


def _join_or_register(user, *, name: str, registered_number: str, website: str, boroughs: Iterable[Borough],
                      statement: str) -> OrganisationJoinRequest | None:
    """The organisation the user names: a new one is theirs at once (they are its first administrator); one
    already on the Hub becomes a request that its administrators, or a lead of a sector it belongs to, decide
    on. Until then the user has no organisation (no rights over it, none of its premises' bulletins).

    Nobody is shown the list of organisations; one asks to join by its exact name (whatever its case).
    """
    existing = Organisation.objects.named(name).first()
    if existing:
        join_request = OrganisationJoinRequest.objects.create(user=user, organisation=existing, statement=statement)
        record(user, "organisation.join_request", existing, request=join_request.pk)
        _after_commit(lambda: _tell_administrators(join_request))
        return join_request
    organisation = Organisation.objects.create(name=name.strip(), registered_number=registered_number,
                                               website=website)
    organisation.boroughs.set(boroughs)
    record(user, "organisation.create", organisation)
    OrganisationAdministrator.objects.create(organisation=organisation, user=user, appointed_by=user)
    record(user, "organisation.administrator_appoint", organisation, person=user.pk, registrant=True)
    user.organisation = organisation
    user.save(update_fields=["organisation"])
    usercache.forget(user)
    _audience_changed_after_commit([user.pk])
    return None


def _name_organisation(user, *, organisation_name: str, registered_number: str, website: str,
                       boroughs: Iterable[Borough], statement: str) -> OrganisationJoinRequest | None:
    """Inside a transaction: join or register the named organisation, unless the user has one (or asked)."""
    if user.organisation_id or _has_pending_join(user):
        return None
    if not organisation_name.strip():
        raise MembershipError("Give your organisation's name.")
    return _join_or_register(user, name=organisation_name, registered_number=registered_number, website=website,
                             boroughs=boroughs, statement=statement)


def apply_to_sectors(
    user, *, sectors: Iterable[Sector], statement: str, organisation_name: str = "", registered_number: str = "",
    website: str = "", boroughs: Iterable[Borough] = (),
) -> list[Membership]:
    """One application per sector, with the organisation the applicant names (a new one registered, an
    existing one asked to join); refuses sectors the user already applied to (or belongs to, or is suspended
    from), but not those that refused them: the refusal stays in the history beside the new one. A new
    organisation, or a request to join one, exists only if the application does."""
    sectors = list(sectors)
    existing = set(  # a refused application is history: the applicant may apply again
        Membership.objects.standing().filter(user=user, sector__in=sectors).values_list("sector__name", flat=True)
    )
    if existing:
        raise MembershipError(f"You have already applied to {', '.join(sorted(existing))}.")
    try:
        with transaction.atomic():
            _name_organisation(user, organisation_name=organisation_name, registered_number=registered_number,
                               website=website, boroughs=boroughs, statement=statement)
            memberships = [
                Membership.objects.create(user=user, sector=sector, statement=statement) for sector in sectors
            ]
            for membership in memberships:
                record(user, "membership.apply", membership)
            _after_commit(waiting_changed)  # the leads' counts in the navigation
    except IntegrityError as error:  # a double submit racing the check above
        raise MembershipError("You have already applied to one of these sectors.") from error
    return memberships


def _leave_organisation(user) -> None:
    """Inside a transaction: the user stops representing their organisation (and administering it); its premises'
    bulletins stop reaching them. The organisation stays, with its history."""
    organisation = user.organisation
    OrganisationAdministrator.objects.filter(organisation=organisation, user=user).delete()
    user.organisation = None
    user.save(update_fields=["organisation"])
    record(user, "organisation.person_leave", organisation, person=user.pk)
    usercache.forget(user)
    _audience_changed_after_commit([user.pk])


def name_organisation(user, *, organisation_name: str, registered_number: str = "", website: str = "",
                      boroughs: Iterable[Borough] = (), statement: str = "") -> OrganisationJoinRequest | None:
    """For someone with no organisation (say, their request to join one was refused), or whose organisation has
    no approved membership of theirs behind it yet (say, their application was refused): register a new one
    (theirs at once) or ask to join one already on the Hub, leaving the one they had. Returns the request, if it
    is one."""
    try:
        with transaction.atomic():
            # Locked: two changes at once (a double submit) are made one after the other.
            user = (get_user_model().objects.select_for_update(of=("self",)).select_related("organisation")
                    .get(pk=user.pk))
            if user.organisation_id and Membership.objects.approved().filter(user=user).exists():
                raise MembershipError("You represent an organisation as an approved member: its administrators "
                                      "decide who represents it.")
            if user.organisation_id and user.organisation.name.casefold() == organisation_name.strip().casefold():
                raise MembershipError(f"You already represent {user.organisation.name}.")
            if _has_pending_join(user):
                raise MembershipError("Your request to join an organisation is still waiting for its decision.")
            if user.organisation_id:
                _leave_organisation(user)
            return _name_organisation(user, organisation_name=organisation_name,
                                      registered_number=registered_number, website=website, boroughs=boroughs,
                                      statement=statement)
    except IntegrityError as error:  # a double submit: the first request is the one that counts
        raise MembershipError("Your request to join an organisation is already waiting for its decision.") from error


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


def organisation_saved_in_admin(organisation: Organisation, *, by, created: bool, changed: list[str],
                                boroughs_before: set[int]) -> None:
    """What the Django admin's save of an organisation must also do (it runs inside the admin's transaction):
    audit it, and refresh its people's sockets if its premises changed."""
    record(by, "organisation.create" if created else "organisation.update", organisation, changed=changed,
           via="admin")
    if set(organisation.boroughs.values_list("pk", flat=True)) != boroughs_before:
        _audience_changed_after_commit(list(organisation.people.values_list("pk", flat=True)))


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
        # Two independent steps: the open sockets re-check first (a suspended member's access ends at once),
        # and the decision e-mail goes whatever became of that (Redis down must not cost the member their
        # e-mail, nor the lead a 500 for a decision already saved).
        _after_commit(waiting_changed)  # the leads' counts in the navigation
        _after_commit(lambda: _send_robust(membership_changed, sender=Membership, membership=membership))
        _after_commit(lambda: _email_decision(membership))
    return membership


def _email_decision(membership: Membership) -> None:
    # An approved member goes straight to the sector; anyone else to their memberships page, where the reason
    # and what they can do next (apply again, change their organisation) are.
    page = (membership.sector.get_absolute_url() if membership.status == Membership.Status.APPROVED
            else reverse("sectors:mine"))
    context = {"membership": membership, "user": membership.user, "sector": membership.sector,
               "url": settings.SITE_URL + page}
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


# Joining organisations, and their administrators ----------------------------------------------------------------


def _tell_administrators(join_request: OrganisationJoinRequest) -> None:
    """E-mail the organisation's administrators that someone asks to join (after the request commits)."""
    emails = list(OrganisationAdministrator.objects.filter(
        organisation=join_request.organisation_id, user__organisation=join_request.organisation_id,
        user__is_active=True).values_list("user__email", flat=True))
    if not emails:
        return  # no administrator yet: the leads of its sectors see the request on their page
    context = {"join_request": join_request, "organisation": join_request.organisation, "user": join_request.user,
               "url": settings.SITE_URL + reverse("sectors:join_requests")}
    send_mail(
        subject=email_subject(f"{join_request.user.display_name} asks to join {join_request.organisation.name}"),
        message=render_to_string("sectors/email/join_request.txt", context),
        from_email=None,
        recipient_list=emails,
    )


def _tell_requester(join_request: OrganisationJoinRequest) -> None:
    approved = join_request.status == OrganisationJoinRequest.Status.APPROVED
    page = join_request.organisation.get_absolute_url() if approved else reverse("sectors:mine")
    context = {"join_request": join_request, "organisation": join_request.organisation, "user": join_request.user,
               "url": settings.SITE_URL + page}
    send_mail(
        subject=email_subject(f"Your request to join {join_request.organisation.name}: "
                              f"{join_request.get_status_display().lower()}"),
        message=render_to_string("sectors/email/join_decision.txt", context),
        from_email=None,
        recipient_list=[join_request.user.email],
    )


def _pending_for_decision(join_request: OrganisationJoinRequest) -> OrganisationJoinRequest:
    """The request, locked, still waiting (or a refusal that says what became of it)."""
    join_request = OrganisationJoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if not join_request.is_pending:
        raise MembershipError(
            f"This request is already {join_request.get_status_display().lower()}; nothing was changed.")
    return join_request


def approve_join_request(join_request: OrganisationJoinRequest, *, by) -> OrganisationJoinRequest:
    """The person becomes one of the organisation's people: its premises' bulletins reach them from now on,
    and their open sockets re-check at once."""
    with transaction.atomic():
        join_request = _pending_for_decision(join_request)
        person = get_user_model().objects.select_for_update().get(pk=join_request.user_id)
        if person.organisation_id:
            raise MembershipError(f"{person} already represents another organisation; nothing was changed.")
        join_request.status = OrganisationJoinRequest.Status.APPROVED
        join_request.decided_by, join_request.decided_at = by, timezone.now()
        join_request.save(update_fields=["status", "decided_by", "decided_at"])
        person.organisation_id = join_request.organisation_id
        person.save(update_fields=["organisation"])
        record(by, "organisation.join_approve", join_request.organisation, person=person.pk,
               request=join_request.pk)
        _audience_changed_after_commit([person.pk])
        _after_commit(lambda: _tell_requester(join_request))
    return join_request


def refuse_join_request(join_request: OrganisationJoinRequest, *, by, reason: str) -> OrganisationJoinRequest:
    if not reason.strip():
        raise MembershipError("Give the person a reason for the refusal.")
    with transaction.atomic():
        join_request = _pending_for_decision(join_request)
        join_request.status = OrganisationJoinRequest.Status.REFUSED
        join_request.decided_by, join_request.decided_at, join_request.reason = by, timezone.now(), reason
        join_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        record(by, "organisation.join_refuse", join_request.organisation, reason=reason,
               person=join_request.user_id, request=join_request.pk)
        _after_commit(lambda: _tell_requester(join_request))
    return join_request


def _locked_person_of(organisation: Organisation, person):
    """Lock the organisation (administrator changes are decided one at a time) and the person, still one of
    its people."""
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    person = get_user_model().objects.select_for_update().get(pk=person.pk)
    if person.organisation_id != organisation.pk:
        raise MembershipError(f"{person} is not one of {organisation}'s people; nothing was changed.")
    return person


def _is_last_administrator(organisation: Organisation, person) -> bool:
    others = OrganisationAdministrator.objects.filter(organisation=organisation, user__organisation=organisation)
    return not others.exclude(user=person).exists()


def appoint_administrator(organisation: Organisation, *, person, by) -> OrganisationAdministrator:
    """Make one of the organisation's approved people an administrator (audited)."""
    with transaction.atomic():
        person = _locked_person_of(organisation, person)
        if not Membership.objects.approved().filter(user=person).exists():
            raise MembershipError(f"{person} is not yet approved in any sector; an administrator must be.")
        link, created = OrganisationAdministrator.objects.get_or_create(
            organisation=organisation, user=person, defaults={"appointed_by": by})
        if not created:
            raise MembershipError(f"{person} is already an administrator; nothing was changed.")
        record(by, "organisation.administrator_appoint", organisation, person=person.pk)
    return link


def withdraw_administrator(organisation: Organisation, *, person, by) -> None:
    """Someone stops being an administrator (they stay one of its people); never the last one."""
    with transaction.atomic():
        person = _locked_person_of(organisation, person)
        link = OrganisationAdministrator.objects.filter(organisation=organisation, user=person).first()
        if link is None:
            raise MembershipError(f"{person} is not an administrator; nothing was changed.")
        if _is_last_administrator(organisation, person):
            raise MembershipError(f"{person} is the organisation's last administrator: name another one first.")
        link.delete()
        record(by, "organisation.administrator_withdraw", organisation, person=person.pk)


def remove_person(organisation: Organisation, *, person, by) -> None:
    """The person no longer represents the organisation: its premises' bulletins stop reaching them at once,
    their open sockets re-check, and they may name another organisation."""
    with transaction.atomic():
        person = _locked_person_of(organisation, person)
        links = OrganisationAdministrator.objects.filter(organisation=organisation, user=person)
        if links.exists() and _is_last_administrator(organisation, person):
            raise MembershipError(f"{person} is the organisation's last administrator: name another one first.")
        links.delete()
        person.organisation = None
        person.save(update_fields=["organisation"])
        record(by, "organisation.person_remove", organisation, person=person.pk)
        _audience_changed_after_commit([person.pk])


# Bridge representatives -----------------------------------------------------------------------------------------
#
# Every change locks the sector row first: the limit and "a deputy for one representative only" are rules over all
# of a sector's rows, so two leads (or a double click) deciding at once are taken one after the other.


class RepresentativeError(ActionRefused):
    """A change to a sector's bridge representatives that cannot be made; the message says why and what to do."""


def _counts_in(sector: Sector, person) -> bool:
    """An approved member of the sector whose account is active: the only people who may represent it."""
    return (person.is_active
            and Membership.objects.approved().filter(sector=sector, user=person).exists())


def _locked_representative(representative: BridgeRepresentative) -> BridgeRepresentative:
    """The representative's sector locked, and the representative read again under the lock (or a refusal if
    someone else removed them meanwhile)."""
    Sector.objects.select_for_update().get(pk=representative.sector_id)
    current = (BridgeRepresentative.objects.select_related("sector", "user", "deputy")
               .filter(pk=representative.pk).first())
    if current is None:
        raise RepresentativeError(f"{representative.user} is no longer a bridge representative; nothing was "
                                  "changed.")
    return current


def _check_deputy(sector: Sector, *, representative_user, deputy, exclude_pk: int | None = None) -> None:
    """Inside the sector's lock: may ``deputy`` stand in for ``representative_user`` in this sector?"""
    if deputy.pk == representative_user.pk:
        raise RepresentativeError(f"{deputy} cannot be their own deputy: choose another member of {sector}.")
    if not _counts_in(sector, deputy):
        raise RepresentativeError(f"{deputy} is not an approved member of {sector}; a deputy must be one.")
    others = BridgeRepresentative.objects.filter(sector=sector).exclude(pk=exclude_pk).select_related("user")
    # A representative is invited in their own right: as a deputy they would stand in for no one.
    if others.filter(user=deputy).exists():
        raise RepresentativeError(f"{deputy} is one of {sector}'s representatives already; a deputy stands in for "
                                  "a representative, so choose someone who is not one.")
    deputising = others.filter(deputy=deputy).first()
    if deputising is not None:
        raise RepresentativeError(f"{deputy} is already the deputy of {deputising.user} in {sector}; a person "
                                  f"deputises for one representative per sector. Choose someone else, or clear "
                                  f"{deputising.user}'s deputy first.")


def check_new_representative(sector: Sector, *, person, deputy=None) -> None:
    """Raise RepresentativeError unless ``person`` (with ``deputy``) may be named now. ``name_representative``
    asks it under the sector's lock; the admin's form asks it first to show the refusal beside the field."""
    limit = settings.BRIDGE_REPRESENTATIVES_PER_SECTOR
    current = list(BridgeRepresentative.objects.filter(sector=sector).select_related("user", "deputy"))
    if any(row.user_id == person.pk for row in current):
        raise RepresentativeError(f"{person} is already one of {sector}'s bridge representatives.")
    if not _counts_in(sector, person):
        raise RepresentativeError(f"{person} is not an approved member of {sector}; only its approved members "
                                  "can represent it.")
    # Every row counts towards the limit, even one whose person is suspended for now: reinstated, they are a
    # representative again, and the sector must not find itself with more than the limit.
    if len(current) >= limit:
        raise RepresentativeError(
            f"{sector} already has {len(current)} bridge representatives, the most a sector may have ({limit}). "
            f"Remove one of them to free a place, then name {person}.")
    deputising = next((row for row in current if row.deputy_id == person.pk), None)
    if deputising is not None:
        raise RepresentativeError(f"{person} is the deputy of {deputising.user}; clear that deputy first, then "
                                  f"name {person} as a representative.")
    if deputy is not None:
        _check_deputy(sector, representative_user=person, deputy=deputy)


def name_representative(sector: Sector, *, person, by, deputy=None) -> BridgeRepresentative:
    """Name an approved member of the sector as one of its bridge representatives (with a deputy, optionally);
    refused beyond settings.BRIDGE_REPRESENTATIVES_PER_SECTOR. Audited on the sector."""
    with transaction.atomic():
        sector = Sector.objects.select_for_update().get(pk=sector.pk)
        check_new_representative(sector, person=person, deputy=deputy)
        representative = BridgeRepresentative.objects.create(sector=sector, user=person, deputy=deputy,
                                                             appointed_by=by)
        record(by, "bridge_representative.name", sector, person=person.pk,
               deputy=deputy.pk if deputy is not None else None)
    return representative


def check_deputy_change(representative: BridgeRepresentative, *, deputy) -> None:
    """Raise RepresentativeError unless the representative's deputy may become ``deputy`` (None: no deputy)."""
    before = representative.deputy
    if deputy is None:
        if before is None:
            raise RepresentativeError(f"{representative.user} has no deputy; nothing was changed.")
        return
    if before is not None and before.pk == deputy.pk:
        raise RepresentativeError(f"{deputy} is already {representative.user}'s deputy; nothing was changed.")
    _check_deputy(representative.sector, representative_user=representative.user, deputy=deputy,
                  exclude_pk=representative.pk)


def set_deputy(representative: BridgeRepresentative, *, deputy, by) -> BridgeRepresentative:
    """Give the representative a deputy, change it, or clear it (``deputy=None``). Audited on the sector."""
    with transaction.atomic():
        representative = _locked_representative(representative)
        before = representative.deputy
        check_deputy_change(representative, deputy=deputy)
        representative.deputy = deputy
        representative.save(update_fields=["deputy"])
        record(by, "bridge_representative.deputy_clear" if deputy is None else "bridge_representative.deputy_set",
               representative.sector, person=representative.user_id,
               deputy=deputy.pk if deputy is not None else None, previous=before.pk if before is not None else None)
    return representative


def remove_representative(representative: BridgeRepresentative, *, by) -> None:
    """The person stops representing the sector (their deputy with them): the place is free. Audited."""
    with transaction.atomic():
        representative = _locked_representative(representative)
        representative.delete()
        record(by, "bridge_representative.remove", representative.sector, person=representative.user_id,
               deputy=representative.deputy_id)
