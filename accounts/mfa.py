"""Two-factor authentication is required of everyone who holds a role: officers, moderators, sector leads,
staff. They are sent to set it up before anything else, and cannot remove it while they hold the role."""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect

from accounts import roles

# Paths a user who still has to set up MFA may use: allauth's own pages (2FA set-up, log out, e-mail),
# static files and the health probe.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz")
SESSION_KEY = "hub.mfa_checked"


def requires_mfa(user) -> bool:
    """Staff and every role holder: by group, and by the object permissions that give the role its powers
    (a lead's sectors, a moderator's forums), so that neither can be held without two-factor."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or roles.holds_any_role(user) or roles.holds_scoped_permission(user)


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


class HubMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and requires_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and request.session.get(SESSION_KEY) != user.pk
            and requires_mfa(user)
        ):
            if not has_mfa(user):
                messages.warning(
                    request, "Your role on the Hub needs two-factor authentication. Set it up to continue."
                )
                return redirect("mfa_activate_totp")
            # Checked once per session: an authenticator cannot be removed while the role is held.
            request.session[SESSION_KEY] = user.pk
        return self.get_response(request)
