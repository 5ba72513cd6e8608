"""Who may do what with bulletins and incidents: the one place bulletins views ask.

Rules answer yes or no (``can_*``); loaders (``access_*``) fetch an object, check the rule and raise 404 or 403
in one step, so a view never holds an object it may not use. Who is in a bulletin's audience is
``audience``'s rule; the loaders use it.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts import roles
from messaging.board import permissions as board_permissions
from messaging.board.models import Thread
from messaging.bulletins import selectors
from messaging.bulletins.audience import visible_bulletins, visible_incidents
from messaging.bulletins.models import Bulletin, Feedback, Incident, IncidentThreadLink, NoticeTemplate
from sectors.permissions import is_approved_member


def can_publish(user) -> bool:
    """Composing, publishing, incidents and delivery reports are the police liaison officers' work."""
    return roles.is_officer(user)


def can_read_bulletins(user) -> bool:
    """The inbox, incidents and the live feed are for approved members (of any sector) and officers."""
    return roles.is_officer(user) or is_approved_member(user)


def _require_officer(user) -> None:
    if not can_publish(user):
        raise PermissionDenied("Only police liaison officers manage bulletins and incidents.")


# Loaders for readers: 404 for what is not theirs to see, so ids tell outsiders nothing ------------------------


def access_bulletin(user, pk: int) -> Bulletin:
    """A bulletin the user may read (with what its page shows)."""
    return get_object_or_404(visible_bulletins(user).select_related("author", "incident", "supersedes"), pk=pk)


def access_acknowledgeable(user, pk: int) -> Bulletin:
    """A bulletin that asked this user (a recipient) to acknowledge it."""
    bulletin = get_object_or_404(visible_bulletins(user), pk=pk)
    if not bulletin.ack_requested or selectors.delivery_for(user, bulletin) is None:
        raise PermissionDenied("This bulletin does not ask you for an acknowledgement.")
    if bulletin.is_withdrawn:
        raise PermissionDenied("This bulletin has been withdrawn: there is nothing to acknowledge.")
    return bulletin


def access_incident(user, pk: int) -> Incident:
    """An incident whose audience the user is in (officers: any)."""
    return get_object_or_404(visible_incidents(user).select_related("opened_by"), pk=pk)


# Loaders for officers ----------------------------------------------------------------------------------------


def access_managed_bulletin(user, pk: int) -> Bulletin:
    """Any bulletin, for an officer to publish, schedule or report on."""
    _require_officer(user)
    return get_object_or_404(Bulletin, pk=pk)


def access_report(user, pk: int) -> Bulletin:
    """Any bulletin with its read and acknowledged counts, for an officer's delivery report."""
    _require_officer(user)
    return get_object_or_404(selectors.officer_bulletins(), pk=pk)


def access_draft(user, pk: int) -> Bulletin:
    """A bulletin an officer may still edit: a draft, or scheduled but not yet published."""
    _require_officer(user)
    return get_object_or_404(Bulletin.objects.editable(), pk=pk)


def access_supersedable(user, pk: int) -> Bulletin:
    """A published bulletin nothing supersedes yet (a second successor would split the audience's attention)."""
    _require_officer(user)
    return get_object_or_404(selectors.supersedable(), pk=pk)


def access_managed_incident(user, pk: int) -> Incident:
    """Any incident, for an officer to post an update to or resolve."""
    _require_officer(user)
    return get_object_or_404(Incident, pk=pk)


def access_cap_document(user, pk: int, *, partner=None) -> Bulletin:
    """A published bulletin (withdrawn and superseded ones too: their CAP says so), for its CAP 1.2 document:
    officers, and partner systems holding an active PartnerToken (``partner``, from partners.from_header)."""
    if partner is None:
        _require_officer(user)
    published = Bulletin.objects.published().select_related("supersedes").prefetch_related("boroughs")
    return get_object_or_404(published, pk=pk)


def access_published_bulletin(user, pk: int) -> Bulletin:
    """A published bulletin (withdrawn ones too, so that a second click is told, not shown a 404), for an
    officer to withdraw."""
    _require_officer(user)
    return get_object_or_404(Bulletin.objects.published().select_related("author"), pk=pk)


def access_feedback(user, pk: int) -> Feedback:
    """A member's reply, for an officer to answer or mark handled."""
    _require_officer(user)
    return get_object_or_404(Feedback.objects.select_related("bulletin", "author__organisation"), pk=pk)


def access_notice_template(user, pk: int) -> NoticeTemplate:
    """A template for recurring notices, for an officer to start a bulletin from."""
    _require_officer(user)
    return get_object_or_404(NoticeTemplate, pk=pk)


def linkable_thread(user, pk: int) -> Thread | None:
    """The forum thread an officer asks to link to an incident, if the board lets them see it (None otherwise: the
    form says so beside the field, and whether an unseen thread exists is not told)."""
    _require_officer(user)
    thread = Thread.objects.select_related("forum").filter(pk=pk).first()
    return thread if thread is not None and board_permissions.can_see_thread(user, thread) else None


def access_thread_link(user, pk: int) -> IncidentThreadLink:
    """A thread's link to an incident, for an officer to remove."""
    _require_officer(user)
    return get_object_or_404(IncidentThreadLink.objects.select_related("incident", "thread"), pk=pk)
