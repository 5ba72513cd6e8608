"""Fixtures for the fault tests (marked ``faults``): real processes that a test starts, kills and breaks.

A fault test only ever stops processes it started itself: never the shared Redis on 6379 or the shared
PostgreSQL. For a Redis outage, use ``private_redis``, a redis-server of the test's own on a free port::

    @pytest.mark.faults
    def test_something_survives_a_redis_outage(private_redis):
        env = process_env(REDIS_URL=private_redis.url, CHANNELS_PREFIX=private_redis.prefix)
        ...                       # start daphne / a worker pointed at it
        private_redis.stop()      # kill -9: the outage (connections drop, everything in it is lost)
        ...                       # publish, assert what must still hold
        private_redis.start()     # the same port again, empty (no persistence)
        ...                       # assert the recovery

``private_redis.client()`` is a redis-py client for looking inside (``PUBSUB CHANNELS``, keys). The server keeps
nothing on disk (``--save "" --appendonly no``), so a restart is an empty Redis, as after a real crash without
persistence. Its log is in the test's tmp_path (``private_redis.log``) and shown when it fails to start.
"""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from tests.faults.helpers import free_port


@dataclass
class PrivateRedis:
    """A redis-server owned by one test: ``url``, ``port``, ``prefix`` (a CHANNELS_PREFIX of its own),
    ``stop()`` (kill -9), ``start()`` (the same port again), ``running``, ``client()``."""

    port: int
    directory: Path
    prefix: str = "faults"
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.directory / "redis.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self, **options) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=1, **options)

    def start(self, timeout: float = 10) -> None:
        """Start redis-server on this port and return once it answers PING."""
        if self.running:
            return
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--dir", str(self.directory)],
                stdout=log, stderr=subprocess.STDOUT,
                # Its own process group: a Ctrl-C aimed at pytest must not take it down behind the test's back.
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """kill -9 the server (an outage, not a shutdown: nothing is flushed, clients see their connections drop)
        and wait until it is gone, so the port refuses connections when this returns."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path_factory) -> PrivateRedis:
    """A redis-server of this test's own on a free port, running when the test starts, killed after it."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    directory = tmp_path_factory.mktemp("redis")
    for attempt in range(3):
        server = PrivateRedis(port=free_port(), directory=directory, prefix=f"faults{os.getpid()}x")
        try:
            server.start()
            break
        except RuntimeError:
            # Another process took the free port between the probe and redis-server's bind: try another.
            if attempt == 2:
                raise
    try:
        yield server
    finally:
        server.stop()
