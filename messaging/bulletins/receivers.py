"""Signal receivers that keep open live sockets honest: anything that changes a user's access tells that user's
sockets (``transport.notify_user``) to re-check it, or closes the sockets of a session that ended.

Connected by importing this module (``BulletinsConfig.ready``); each ``dispatch_uid`` keeps a second import
from connecting a receiver twice.
"""

from collections.abc import Iterable

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from messaging.bulletins.models import Feedback
from messaging.bulletins.selectors import forget_unanswered_count
from messaging.bulletins.transport import notify_user
from sectors.models import Organisation
from sectors.signals import audience_changed, membership_changed

User = get_user_model()

# The user's fields that decide what their sockets may carry (reach_of, the two-factor rule, the session hash).
ACCESS_FIELDS = frozenset({"is_active", "is_superuser", "is_staff", "organisation", "password"})


def _refresh_after_commit(user_ids: Iterable[int]) -> None:
    """Their sockets re-check once the change is visible to them, i.e. after it commits."""
    for user_id in user_ids:
        transaction.on_commit(lambda user_id=user_id: notify_user(user_id), robust=True)


@receiver(user_logged_out, dispatch_uid="live.logged_out")
def on_logged_out(sender, request=None, user=None, **kwargs) -> None:
    """Logging out closes the sockets that session opened (and only those)."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        notify_user(user.pk, "live.session_ended", session_key=session_key)


@receiver([password_changed, password_reset, password_set], dispatch_uid="live.password")
def on_password_changed(sender, request=None, user=None, **kwargs) -> None:
    """A new password ends the other sessions; their sockets re-check and close."""
    if user is not None:
        notify_user(user.pk)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="live.groups")
def on_roles_changed(sender, instance, action: str, reverse: bool = False, pk_set=None, **kwargs) -> None:
    """Groups added or removed (either side of User.groups): the users' open sockets re-check."""
    if action in {"post_add", "post_remove", "post_clear"}:
        _refresh_after_commit(list(pk_set or []) if reverse else [instance.pk])


@receiver(post_save, sender=User, dispatch_uid="live.user_saved")
def on_user_saved(sender, instance, created: bool = False, update_fields=None, **kwargs) -> None:
    """A save that may change the user's access (the admin's user form saves every field: deactivation,
    superuser unticked, another organisation) makes their sockets re-check. A login's last_login does not."""
    if not created and (update_fields is None or ACCESS_FIELDS & set(update_fields)):
        _refresh_after_commit([instance.pk])


@receiver(post_delete, sender=UserSession, dispatch_uid="live.usersession_ended")
def on_user_session_ended(sender, instance: UserSession, **kwargs) -> None:
    """allauth.usersessions ends a session by deleting its row ("Sign out other sessions", or a session found
    already gone): close the sockets that session opened, as logging out does."""
    user_id, session_key = instance.user_id, instance.session_key
    transaction.on_commit(lambda: notify_user(user_id, "live.session_ended", session_key=session_key), robust=True)


@receiver(audience_changed, dispatch_uid="live.audience_changed")
def on_audience_changed(sender, user_ids: Iterable[int] = (), **kwargs) -> None:
    """An organisation's premises changed, or a person changed organisation: the borough-targeted bulletins
    their sockets may carry changed. Sent after commit, like membership_changed."""
    for user_id in user_ids:
        notify_user(user_id)


@receiver(m2m_changed, sender=Organisation.boroughs.through, dispatch_uid="live.organisation_boroughs")
def on_premises_changed(sender, instance, action: str, reverse: bool = False, pk_set=None, **kwargs) -> None:
    """Premises set without the sectors service (the admin's organisation form): the people of the organisation
    re-check. Through the service this comes with audience_changed as well; a second re-check is harmless."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    organisation_ids = list(pk_set or []) if reverse else [instance.pk]
    _refresh_after_commit(list(User.objects.filter(organisation__in=organisation_ids).values_list("pk", flat=True)))


@receiver(membership_changed, dispatch_uid="live.membership_changed")
def on_membership_changed(sender, membership, **kwargs) -> None:
    """A membership changed (approved, refused, suspended): the user's open sockets re-check their access.
    The signal is sent after the change commits, so no need to wait here."""
    notify_user(membership.user_id)


@receiver([post_save, post_delete], sender=Feedback, dispatch_uid="bulletins.feedback_count")
def on_feedback_changed(sender, instance: Feedback, **kwargs) -> None:
    """A reply written, answered or handled: the officers' count in the navigation is counted again. Forgotten
    now (this transaction's own pages count afresh) and again at commit (a page that counted in between saw the
    old number)."""
    forget_unanswered_count()
    transaction.on_commit(forget_unanswered_count, robust=True)
