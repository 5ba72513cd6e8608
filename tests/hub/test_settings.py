"""Settings come from the environment; the embedded default needs none, production refuses to start insecure."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STACK_VARIABLES = [
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "TASKS_BACKEND",
    # The browser tests set this for their own process; a deployment must not.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]
PRODUCTION = {
    "DATABASE_URL": "postgres://hub:secret@db.internal:5432/hub",
    "REDIS_URL": "redis://cache.internal:6379/1",
    "SECRET_KEY": "a-long-random-production-key-" + "x7Qp" * 12,
    "ALLOWED_HOSTS": "hub.example.org",
}

PROBE = """
import json
from django.conf import settings
import django
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "email": settings.EMAIL_BACKEND,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "allowed_hosts": settings.ALLOWED_HOSTS,
}))
"""


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in STACK_VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="hub.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def probe(**variables: str) -> dict:
    result = run_python(PROBE, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {},
            {
                "debug": True,
                "db_engine": "django.db.backends.sqlite3",
                "channel_layer": "channels.layers.InMemoryChannelLayer",
                "cache": "django.core.cache.backends.locmem.LocMemCache",
                "tasks": "django_tasks.backends.immediate.ImmediateBackend",
                "email": "django.core.mail.backends.console.EmailBackend",
                "session_cookie_secure": False,
            },
        ),
        (
            PRODUCTION,
            {
                "debug": False,
                "db_engine": "django.db.backends.postgresql",
                "db_name": "hub",
                "channel_layer": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "cache": "common.cache.SharedPoolRedisCache",
                "tasks": "django_tasks_db.DatabaseBackend",
                "session_cookie_secure": True,
                "allowed_hosts": ["hub.example.org"],
            },
        ),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "a-long-enough-test-secret-key-for-the-probe-1234"},
            {
                "debug": False,
                "db_engine": "django.db.backends.sqlite3",
                "channel_layer": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "tasks": "django_tasks.backends.immediate.ImmediateBackend",
            },
        ),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0", "CHANNEL_LAYER": "queue", "DEBUG": "true"},
            {"channel_layer": "channels_redis.core.RedisChannelLayer"},
        ),
    ],
    ids=["embedded-default", "production", "redis-only", "redis-queue-layer"],
)
def test_settings_follow_the_environment(variables, expected):
    observed = probe(**variables)
    for key, value in expected.items():
        assert observed[key] == value, key


def test_embedded_default_keeps_its_database_in_var():
    assert probe()["db_name"] == str(ROOT / "var" / "hub.sqlite3")


def test_production_turns_on_hsts():
    assert probe(**PRODUCTION)["hsts"] >= 31536000


@pytest.mark.parametrize(
    "variables",
    [
        {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"},
        {"DEBUG": "false"},
    ],
    ids=["database-without-secret-key", "debug-off-without-secret-key"],
)
def test_production_without_secret_key_refuses_to_start(variables):
    result = run_python("import django; django.setup()", **variables)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_nonsense_boolean_is_refused():
    result = run_python("import django; django.setup()", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_check_deploy_reports_nothing_with_production_variables():
    # Only settings are checked here, so the database need not exist: point at SQLite to stay offline.
    variables = {**PRODUCTION, "DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3")}
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **variables,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
