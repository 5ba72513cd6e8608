"""Who may do what with bridge calls: the one place the bridge views ask.

- Officers see and manage every call; a call's chair and co-chairs run its roll call and minutes.
- A member sees a call they are invited to (or stand in for: the invitee's deputy or delegate), and a call on
  an incident or pre-planning notice they may read: for those, that it is scheduled and when, not how to join.
- The dial-in details and PIN are for the people a call admits (``Invitation.admits``) and officers.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts import roles
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins.audience import visible_bulletins, visible_incidents
from sectors.permissions import is_approved_member


def can_schedule(user) -> bool:
    """Scheduling, editing and cancelling calls is the police liaison officers' work."""
    return roles.is_officer(user)


def _require_officer(user) -> None:
    if not can_schedule(user):
        raise PermissionDenied("Only police liaison officers manage bridge calls.")


def invited_calls(user) -> QuerySet[BridgeCall]:
    """The calls that admit this user: as the invitee, their deputy or their delegate."""
    admitted = Invitation.objects.filter(Q(user=user) | Q(deputy=user) | Q(delegate=user))
    return BridgeCall.objects.filter(pk__in=admitted.values("call_id"))


def visible_calls(user) -> QuerySet[BridgeCall]:
    """Officers: every call. Approved members: the calls that admit them, and those on an incident or notice they
    may read. Anyone else: none."""
    if not user.is_authenticated or not user.is_active:
        return BridgeCall.objects.none()
    if roles.is_officer(user):
        return BridgeCall.objects.all()
    if not is_approved_member(user):
        return BridgeCall.objects.none()
    admitted = Invitation.objects.filter(Q(user=user) | Q(deputy=user) | Q(delegate=user))
    return BridgeCall.objects.filter(
        Q(pk__in=admitted.values("call_id"))
        | Q(incident__in=visible_incidents(user).values("pk"))
        | Q(bulletin__in=visible_bulletins(user).values("pk"))
    )


def admitting_invitation(user, call: BridgeCall) -> Invitation | None:
    """The invitation through which this call admits the user (invitee, deputy or delegate), if any."""
    if not user.is_authenticated:
        return None
    return call.invitations.filter(Q(user=user) | Q(deputy=user) | Q(delegate=user)).first()


def can_see_dial_in(user, call: BridgeCall, invitation: Invitation | None) -> bool:
    """Officers, and the people the call admits (``invitation``: admitting_invitation's answer)."""
    return roles.is_officer(user) or (invitation is not None and invitation.admits(user))


def can_chair(user, call: BridgeCall) -> bool:
    """The chair and the co-chairs (officers) run the roll call and record decisions and actions."""
    return roles.is_officer(user) and call.is_chaired_by(user)


# Loaders ------------------------------------------------------------------------------------------------------


def access_call(user, pk: int) -> BridgeCall:
    """A call the user may see (404 otherwise: ids tell outsiders nothing)."""
    return get_object_or_404(visible_calls(user).select_related("chair", "incident", "bulletin"), pk=pk)


def access_managed_call(user, pk: int) -> BridgeCall:
    """Any call, for an officer to edit or cancel."""
    _require_officer(user)
    return get_object_or_404(BridgeCall.objects.select_related("chair", "incident", "bulletin"), pk=pk)


def access_chaired_call(user, pk: int) -> BridgeCall:
    """A call this officer chairs or co-chairs: its roll call, decisions and actions, summary."""
    _require_officer(user)
    call = get_object_or_404(BridgeCall.objects.select_related("chair", "incident").prefetch_related("co_chairs"),
                             pk=pk)
    if not call.is_chaired_by(user):
        raise PermissionDenied("Only the call's chair and co-chairs keep its roll call and minutes.")
    return call


def access_own_invitation(user, call_pk: int) -> Invitation:
    """The invitation this member may answer: their own, or the one they are deputy for."""
    invitation = (Invitation.objects.select_related("call", "user__organisation")
                  .filter(call_id=call_pk).filter(Q(user=user) | Q(deputy=user)).first())
    if invitation is None or not user.is_authenticated:
        get_object_or_404(visible_calls(user), pk=call_pk)  # 404 for a call they may not see at all
        raise PermissionDenied("You are not invited to this call.")
    return invitation
