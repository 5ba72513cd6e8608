"""Two-factor authentication is required of everyone who holds a role: officers, moderators, sector leads,
staff.

- They set up a second factor before anything else: an authenticator app (TOTP) or a passkey (WebAuthn), or
  both; recovery codes come with either, as a fallback, never as the only factor.
- They keep at least one second factor while they hold the role (the adapter refuses to remove the last one).
- Holding an authenticator is not enough: the session they use must itself have completed a second factor.
  allauth records each authentication step in the session; a role holder's session needs an "mfa" record (a
  code, a recovery code or a passkey at sign-in, a passkey sign-in on its own, or a confirmation since). A
  session opened by password alone, or from before the role was given, is sent to confirm a second factor
  before it may use the portal, on pages (RequireMFAMiddleware) as on the live socket (two_factor_satisfied).
"""

from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication  # allauth's own recorder (internal)
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse

from accounts import roles

# The authenticators that are a second factor on their own. Recovery codes only stand in for a lost one.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# Always open: static files and the health probe.
ALWAYS_OPEN_PREFIXES = ("/static/", "/healthz")
# Open to a role holder who has no second factor yet: allauth's pages (two-factor set-up, log out, e-mail).
SET_UP_PREFIXES = ("/accounts/",)
# Open to a role holder whose session has not completed two-factor yet: confirming it, or logging out. Not the
# rest of /accounts/: a password-only session must not add a passkey, read the recovery codes or remove a factor.
CONFIRM_URL_NAMES = ("mfa_reauthenticate", "mfa_reauthenticate_webauthn", "account_logout")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def requires_mfa(user) -> bool:
    """Staff and every role holder: by group, and by the object permissions that give the role its powers
    (a lead's sectors, a moderator's forums), so that neither can be held without two-factor."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or roles.holds_any_role(user) or roles.holds_scoped_permission(user)


def second_factor_types(user) -> set[str]:
    return set(
        Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).values_list("type", flat=True)
    )


def has_mfa(user) -> bool:
    """Has the user set up a second factor: an authenticator app or a passkey?"""
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def _load_session(session):
    if session is None or isinstance(session, str):
        return import_module(settings.SESSION_ENGINE).SessionStore(session)
    return session


def completed_two_factor(session, user) -> bool:
    """Did this session, as this user, complete a second factor? allauth keeps the authentication steps of the
    session (bound to the user they were for); a second factor is an "mfa" step."""
    records = get_authentication_records(SimpleNamespace(session=_load_session(session)), user)
    return any(record.get("method") == "mfa" for record in records)


def two_factor_satisfied(user, session) -> bool:
    """May this user use the portal through this session, as far as two-factor goes? Yes if the session
    completed a second factor, or if the user needs none. `session` is request.session, a SessionStore, or a
    session key (a long-lived connection reads its session afresh); None is a session that proved nothing."""
    if not user.is_authenticated:
        return False
    return completed_two_factor(session, user) or not requires_mfa(user)


def confirm_url(user, next_url: str) -> str:
    """Where a session confirms a second factor, then goes on to next_url: the authenticator-code page, or the
    passkey page for someone whose only second factor is a passkey (allauth's code page would send them to the
    password, which proves nothing more)."""
    name = "mfa_reauthenticate" if Authenticator.Type.TOTP in second_factor_types(user) else (
        "mfa_reauthenticate_webauthn")
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class HubMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A role holder keeps at least one second factor: an app or a passkey goes only if another remains."""
        if authenticator.type in SECOND_FACTORS and requires_mfa(authenticator.user):
            others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=SECOND_FACTORS)
            if not others.exclude(pk=authenticator.pk).exists():
                return False
        return super().can_delete_authenticator(authenticator)


@receiver(mfa_signals.authenticator_added)
def first_factor_completes_the_session(sender, request, user, authenticator, **kwargs) -> None:
    """Setting up one's first second factor proves it in that very session (a code read from the app, or the
    passkey's signature): record it as the session's second factor, as signing in with it would, so a new role
    holder is not asked for it again a minute later. Adding a further factor proves nothing new: a role
    holder's session reaches those pages only once it has completed two-factor."""
    if authenticator.type not in SECOND_FACTORS or request is None:
        return
    if getattr(getattr(request, "user", None), "pk", None) != user.pk:
        return
    if Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exclude(pk=authenticator.pk).exists():
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True)


class RequireMFAMiddleware:
    """Role holders set up a second factor before anything else, and each of their sessions completes one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.gate(request) or self.get_response(request)

    def gate(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(ALWAYS_OPEN_PREFIXES):
            return None
        # Read from the session first: no query for a session that has completed two-factor.
        if completed_two_factor(request.session, user) or not requires_mfa(user):
            return None
        if not has_mfa(user):
            if request.path.startswith(SET_UP_PREFIXES):
                return None
            messages.warning(
                request,
                "Your role on the Hub needs two-factor authentication. Set up an authenticator app or a passkey "
                "to continue.",
            )
            return redirect("mfa_index")
        if request.path in {reverse(name) for name in CONFIRM_URL_NAMES}:
            return None
        messages.info(
            request,
            "Your role on the Hub needs two-factor authentication in every session: confirm it's you with your "
            "authenticator app or passkey to continue.",
        )
        return redirect(confirm_url(user, request.get_full_path()))

    def process_view(self, request, view_func, view_args, view_kwargs):
        """allauth (65.x) asks the adapter before deactivating the authenticator app but not before removing a
        passkey: ask it here, so that a role holder's last passkey stays too."""
        match = request.resolver_match
        if request.method in SAFE_METHODS or match is None or match.url_name != "mfa_remove_webauthn":
            return None
        authenticator = Authenticator.objects.filter(
            pk=view_kwargs.get("pk"), user_id=request.user.pk, type=Authenticator.Type.WEBAUTHN
        ).first()
        if authenticator is not None and not get_mfa_adapter().can_delete_authenticator(authenticator):
            messages.error(
                request,
                "Your role on the Hub needs two-factor authentication: add another passkey or an authenticator "
                "app before removing this one.",
            )
            return redirect("mfa_list_webauthn")
        return None
