"""Helpers of the fault tests: free ports, a process's children, waiting for a condition."""

import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def requires_postgresql() -> None:
    """Skip the calling test on SQLite (call it inside the test: the vendor is known once the database is)."""
    if connection.vendor != "postgresql":
        pytest.skip("a fault test of the production stack: runs on the PostgreSQL + Redis run")


def child_pids(parent: int) -> set[int]:
    """The live (not zombie) processes whose parent is ``parent``, read from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        # The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z":
            children.add(int(entry.name))
    return children


def wait_until(predicate, *, timeout: float, interval: float = 0.05, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def healthz_status(port: int) -> int:
    """The status /healthz answers on a local server; 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0
