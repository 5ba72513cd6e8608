"""Shared pieces: starting the multi-process server, logging bench users in, percentiles."""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from bench.env import BASE_DIR, server_env

RESULTS_DIR = BASE_DIR / "var" / "bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(database_url: str, processes: int = int(os.environ.get("BENCH_PROCESSES", "2"))):
    """`python -m hub.serve`: several daphne processes on one port, as `make serve-prod` runs them."""
    port = free_port()
    command = [sys.executable, "-m", "hub.serve", "--processes", str(processes), "--port", str(port)]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)  # the server's log goes there, even on a fresh clone
    server = subprocess.Popen(command, cwd=BASE_DIR, env=server_env(database_url),  # noqa: S603
                              stdout=subprocess.DEVNULL, stderr=open(RESULTS_DIR / "server.log", "ab"))  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - our own server
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.3)
        time.sleep(1)  # let every process come up, not just the first to answer
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def session_keys(users) -> list[str]:
    """A logged-in session per user, stored as django.contrib.auth.login() stores one (Django set up); for a
    user with a second factor, that factor recorded as used in the session, as the login form leaves it (the
    portal asks it of every role holder's session)."""
    from types import SimpleNamespace

    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.sessions import open_session

    users = list(users)
    factors = {a.user_id: a for a in Authenticator.objects.filter(user__in=users, type=Authenticator.Type.TOTP)}
    keys = []
    for user in users:
        session = open_session(None)
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if user.pk in factors:
            record_authentication(SimpleNamespace(session=session), user, "mfa", id=factors[user.pk].pk,
                                  type=Authenticator.Type.TOTP)
        session.create()
        keys.append(session.session_key)
    return keys


def forget_sessions(keys: list[str]) -> None:
    """Delete the sessions a benchmark logged in, so that runs do not pile up rows in django_session."""
    from django.contrib.sessions.models import Session

    for start in range(0, len(keys), 5000):
        Session.objects.filter(session_key__in=keys[start:start + 5000]).delete()


def discard_bulletins(ids: list[int]) -> None:
    """Delete the benchmark's bulletins (their deliveries go with them) and their queued e-mail tasks: no
    `db_worker` runs during the live benchmarks, and the publish benchmark's workers must not inherit them."""
    from django_tasks_db.models import DBTaskResult

    from messaging.bulletins.models import Bulletin

    Bulletin.objects.filter(pk__in=ids).delete()
    DBTaskResult.objects.filter(task_path__endswith=".send_bulletin_emails", args_kwargs__args__0__in=ids).delete()


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": statistics.median(ordered), "p95": pick(0.95), "p99": pick(0.99)}


def write_result(name: str, data: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def raise_file_limit() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.environ["BENCH_FILE_LIMIT"] = str(hard)
