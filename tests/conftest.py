import pytest
from django.core.cache import cache

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _isolated_cache():
    """allauth's rate limits live in the cache (Redis on the production run): start every test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return "correct-horse-battery"


@pytest.fixture
def verified_user(db, password):
    return UserFactory(password=password, verified=True)
