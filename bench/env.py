"""Where the benchmarks run: their own PostgreSQL databases and Redis database, never the test ones."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASES = {"big": f"{PG}/hub_bench", "small": f"{PG}/hub_bench_small"}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SCALES = {"big": 1.0, "small": 0.1}
PASSWORD = "bench-password-2026"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) over plain HTTP on localhost."""
    return {
        **os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench-not-a-secret",
        "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "false",
        "TASKS_BACKEND": "db", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "RATE_LIMIT_POST": "100000/h", **extra,
    }


def setup_django(database_url: str) -> None:
    """Configure this process as the portal on the given database (once per process)."""
    os.environ.update(server_env(database_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    # Load the URLconf (it imports every app's views), as a web process has by the time it serves the request
    # that publishes: otherwise the first bulletin's payload, which reverses its address, waits 0.4 s for it
    # after the commit, and the first update's latency measures this script starting up.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loading is the point


def ensure_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(database_url: str, *args: str, **extra: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=server_env(database_url, **extra),  # noqa: S603
                   check=True)
