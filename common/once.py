"""One-time form tokens: a form that publishes or sends something acts once per render, however often it is
submitted (a double click, a page sent again after "back", a browser retrying a slow request).

Every render of such a form carries its own token; the view claims it before acting. The first claim wins;
a second submit of the same render is told that the form was already sent, and nothing more is done. A
form without a valid token (forged, from another user or session, or older than ``MAX_AGE``) does nothing
either: ``OnceFormMixin`` shows it again with what was typed and a fresh token, a button posted outside a form
page is sent back with a message. An action that fails with an error gives its token back (``release``).

How to use it:

- In the template, inside the ``<form>``: ``{% load once %}{% once_token %}`` (a hidden field with a fresh
  token; the template needs ``request`` in its context, which the request context processor provides).
  Pages built on ``includes/form_page.html`` get it whenever the view sets ``once_form`` in the context, as
  ``OnceFormMixin`` does.
- A ``FormView``: put ``OnceFormMixin`` before the view class, write the action in ``act_once(form)`` and
  say where a repeated submit goes (``once_redirect_url``). The token is claimed only once the form is
  valid, just before the action, so a form sent back with errors keeps a usable token.
- Any other view handling a POST (a button on a detail page)::

      refusal = once.refuse_unless_claimed(request, redirect_to=bulletin.get_absolute_url())
      if refusal:
          return refusal
      ... act ...

  or call ``claim(request, token)`` and decide yourself.

Tokens are signed (user id, random nonce, time), so issuing one stores nothing; claiming adds the nonce to
the cache with ``cache.add``, which succeeds for one caller only (atomic in Redis, the production cache; the
in-memory cache of the embedded default is per process, which is right for its single process).
"""

import enum
import secrets
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html

FIELD = "once_token"
# How long a rendered form stays usable: an incident room may sit open for a whole shift.
MAX_AGE = 12 * 60 * 60
_SALT = "hub.once"
_CACHE_PREFIX = "hub-once:"
# A token is about 80 characters; anything much longer is not one of ours and is not worth unsigning.
_MAX_TOKEN_LENGTH = 200

REPEATED_MESSAGE = "That form was already sent (a double click?): it was acted on once, and nothing more was done."
INVALID_FORM_MESSAGE = ("This form had expired or did not come from this page, so nothing was done yet. What you "
                        "typed is kept below: check it and send it again.")
INVALID_MESSAGE = ("That form had expired or did not come from this page, so nothing was done. Check the page "
                   "and send it again.")


class Claim(enum.Enum):
    CLAIMED = "claimed"  # the first submit of this render: act
    REPEATED = "repeated"  # this render was already submitted: don't act again
    INVALID = "invalid"  # missing, forged, another user's, or expired: don't act


def issue(request: HttpRequest) -> str:
    """A fresh token for one render of one form, bound to the signed-in user ("" for visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return signing.TimestampSigner(salt=_SALT).sign(f"{user.pk}:{secrets.token_urlsafe(16)}")


def _nonce(request: HttpRequest, token: str | None) -> str | None:
    """The token's nonce if it is one ``issue`` gave this user and it has not expired; None otherwise."""
    user = getattr(request, "user", None)
    if not token or len(token) > _MAX_TOKEN_LENGTH or user is None or not user.is_authenticated:
        return None
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    user_id, _, nonce = value.partition(":")
    return nonce if user_id == str(user.pk) and nonce else None


def claim(request: HttpRequest, token: str | None) -> Claim:
    """Claim a token issued by ``issue`` to this user: CLAIMED the first time only."""
    nonce = _nonce(request, token)
    if nonce is None:
        return Claim.INVALID
    # Kept as long as the token could still be accepted; after that the signature's age refuses it.
    if cache.add(_CACHE_PREFIX + nonce, True, timeout=MAX_AGE):
        return Claim.CLAIMED
    return Claim.REPEATED


def issue_for_link(*owner: object, salt: str) -> str:
    """A token for a form on a page reached without a session (a signed link in an e-mail): bound to what the
    page is for (``owner``: e.g. the invitation's and the person's ids) instead of a signed-in user."""
    return signing.TimestampSigner(salt=salt).sign(":".join([*map(str, owner), secrets.token_urlsafe(16)]))


def claim_for_link(token: str | None, *owner: object, salt: str) -> Claim:
    """Claim a token ``issue_for_link`` made for the same ``owner`` and ``salt``: CLAIMED the first time only."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return Claim.INVALID
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return Claim.INVALID
    *parts, nonce = value.split(":")
    if parts != [str(part) for part in owner] or not nonce:
        return Claim.INVALID
    return Claim.CLAIMED if cache.add(f"{_CACHE_PREFIX}{salt}:{nonce}", True, timeout=MAX_AGE) else Claim.REPEATED


def release(request: HttpRequest, token: str | None) -> None:
    """Give back a claim whose action failed (an error, not a refusal), so that sending the form again is not
    wrongly told it was already acted on."""
    nonce = _nonce(request, token)
    if nonce is not None:
        cache.delete(_CACHE_PREFIX + nonce)


def refusal(request: HttpRequest, outcome: Claim, redirect_to: str) -> HttpResponse:
    """Where a submit that must not act goes: back to ``redirect_to``, with a message saying why."""
    if outcome is Claim.REPEATED:
        messages.info(request, REPEATED_MESSAGE)
    else:
        messages.warning(request, INVALID_MESSAGE)
    return HttpResponseRedirect(redirect_to)


def claim_for_form(request: HttpRequest, form) -> Claim:
    """Claim a valid form's token. INVALID (a page left open past MAX_AGE, or a form not from this page) also puts
    the reason on the form, so that the view shows it again with what was typed, and a fresh token."""
    outcome = claim(request, request.POST.get(FIELD))
    if outcome is Claim.INVALID:
        form.add_error(None, INVALID_FORM_MESSAGE)
    return outcome


def refuse_unless_claimed(request: HttpRequest, *, redirect_to: str) -> HttpResponse | None:
    """For a view's POST handler: None if this submit's token is claimed now (act), else the redirect to return."""
    outcome = claim(request, request.POST.get(FIELD))
    return None if outcome is Claim.CLAIMED else refusal(request, outcome, redirect_to)


def hidden_field(request: HttpRequest) -> str:
    """The hidden input carrying a fresh token (what ``{% once_token %}`` renders)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, issue(request))


class OnceFormMixin:
    """For FormViews that publish or send: the action runs once per rendered form.

    Put it before the view class (``class View(OnceFormMixin, ..., FormView)``) and write the action in
    ``act_once(form)`` (returning the response), not in ``form_valid``: ``form_valid`` claims the token first,
    and a subclass overriding it would skip the claim, so defining one is refused when the class is made.
    It composes with mixins that call ``form_valid`` themselves (the rate limit's ``post``). Override
    ``once_redirect_url`` to choose where a repeated submit lands (the page showing what the first one did)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "form_valid" in cls.__dict__:
            raise TypeError(f"{cls.__name__} acts in act_once(form): its form_valid() claims the one-time token")

    def once_redirect_url(self) -> str:
        return self.request.path

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(once_form=True, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        token = self.request.POST.get(FIELD)
        outcome = claim_for_form(self.request, form)
        if outcome is Claim.INVALID:  # an expired page must not lose what was typed
            return self.form_invalid(form)
        if outcome is Claim.REPEATED:
            return refusal(self.request, outcome, self.once_redirect_url())
        try:
            return self.act_once(form)
        except Exception:
            release(self.request, token)
            raise

    def act_once(self, form) -> HttpResponse:
        """The view's action, run for the first valid submit of a render only."""
        return super().form_valid(form)
