"""common.once: a token issued for one user's form render is claimed once, by that user, while it is fresh."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory

from common import once
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def test_a_token_is_claimed_once_by_the_user_it_was_issued_to():
    alice, bob = UserFactory(), UserFactory()
    token = once.issue(_request(alice))
    assert once.claim(_request(bob), token) is once.Claim.INVALID
    assert once.claim(_request(alice), token) is once.Claim.CLAIMED
    assert once.claim(_request(alice), token) is once.Claim.REPEATED
    assert once.claim(_request(alice), once.issue(_request(alice))) is once.Claim.CLAIMED  # each render its own


@pytest.mark.parametrize("token", [None, "", "x", "1:2:3", "a" * 5000])
def test_missing_or_forged_tokens_are_invalid(token):
    assert once.claim(_request(UserFactory()), token) is once.Claim.INVALID


def test_an_expired_token_is_invalid(monkeypatch):
    alice = UserFactory()
    token = once.issue(_request(alice))
    later = time.time() + once.MAX_AGE + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert once.claim(_request(alice), token) is once.Claim.INVALID


def test_a_claim_outlives_the_embedded_caches_churn():
    """On the embedded default the cache is in memory: a claimed token must not be evicted by the rate-limit
    counters and socket places written after it, or a resent form would act twice."""
    alice = UserFactory()
    token = once.issue(_request(alice))
    assert once.claim(_request(alice), token) is once.Claim.CLAIMED
    for n in range(1000):
        cache.set(f"churn:{n}", n)
    assert once.claim(_request(alice), token) is once.Claim.REPEATED


def test_anonymous_users_get_no_token():
    assert once.issue(_request(AnonymousUser())) == ""
    assert once.claim(_request(AnonymousUser()), "anything") is once.Claim.INVALID


def test_the_template_tag_renders_a_hidden_field_with_a_fresh_token():
    alice = UserFactory()
    template = Template("{% load once %}{% once_token %}|{% once_token %}")
    first, second = template.render(Context({"request": _request(alice)})).split("|")
    assert first.startswith(f'<input type="hidden" name="{once.FIELD}" value="') and first != second
    token = first.split('value="')[1].split('"')[0]
    assert once.claim(_request(alice), token) is once.Claim.CLAIMED
