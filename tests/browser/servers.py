"""Real daphne processes (`python -m daphne hub.asgi:application`) against the test database, restartable."""

import socket
import subprocess
import sys
import time
import urllib.request

from tests.processes import BASE_DIR, process_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DaphneServer:
    """One daphne process on a fixed port, configured like production but on the test database."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "DaphneServer":
        env = process_env(TASKS_BACKEND="immediate")
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "hub.asgi:application"]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):  # noqa: S310 - our own server
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("daphne exited at start-up") from None
                time.sleep(0.2)
        raise RuntimeError("daphne did not start in 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
