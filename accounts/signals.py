"""Account events that go into the audit log: logins, password and e-mail changes, MFA, role changes."""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from accounts.models import User
from audit.services import record


@receiver(account_signals.user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    record(user, "account.login", user, ip=request.META.get("REMOTE_ADDR", ""))


@receiver(auth_signals.user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the e-mail tried, never the password.
    email = str(credentials.get("email") or credentials.get("username") or "")[:200]
    ip = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    record(None, "account.login_failed", None, email=email, ip=ip)


@receiver(account_signals.password_changed)
@receiver(account_signals.password_reset)
def audit_password(sender, request, user, **kwargs) -> None:
    record(user, "account.password_changed", user)


@receiver(account_signals.email_changed)
def audit_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs) -> None:
    record(user, "account.email_changed", user, to=to_email_address.email)


@receiver(mfa_signals.authenticator_added)
def audit_mfa_added(sender, request, user, authenticator, **kwargs) -> None:
    record(user, "mfa.added", user, type=authenticator.type)


@receiver(mfa_signals.authenticator_removed)
def audit_mfa_removed(sender, request, user, authenticator, **kwargs) -> None:
    record(user, "mfa.removed", user, type=authenticator.type)


@receiver(m2m_changed, sender=User.groups.through)
def audit_role_change(sender, instance, action, pk_set, reverse: bool = False, **kwargs) -> None:
    """From either side: user.groups.add(group) or group.user_set.add(user)."""
    if action not in {"post_add", "post_remove"} or not pk_set:
        return

    verb = "role.granted" if action == "post_add" else "role.revoked"
    if reverse:  # instance is the group, pk_set the users
        for user in User.objects.filter(pk__in=pk_set):
            record(None, verb, user, roles=[instance.name])
        return
    names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    record(None, verb, instance, roles=names)
