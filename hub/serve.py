"""Run several daphne processes behind one port: ``python -m hub.serve --processes 2 --port 8000``.

The parent binds the listening socket once and hands it to each daphne child (``daphne --fd``); the kernel
spreads new connections across the processes accepting on it. The Redis channel layer (REDIS_URL) carries
live updates between them, so a bulletin published through one process reaches sockets held by the others.

The parent supervises its children: a child that dies is started again (after a short backoff) while the others
keep serving, and the listening socket stays open all along, so the port never refuses a connection. Only a
crash loop (``--max-deaths`` deaths within ``--within`` seconds: the code or the configuration is broken, not
one process) stops everything with exit status 1, for the outer supervisor (systemd) to see. SIGTERM or
SIGINT stops every child and exits 0.
"""

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass

# How often the parent looks at its children, and how long a child gets to stop after SIGTERM.
POLL_INTERVAL = 0.2
STOP_TIMEOUT = 10.0
# Restart backoff: doubles with each death of the same slot in a row, from the first to the cap.
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 5.0
# A child that served this long before dying was not crash-looping: its slot's backoff starts over.
STABLE_AFTER = 30.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the supervisor dies, even by kill -9. An orphaned daphne
    would keep serving on the port, unseen by whatever restarts the supervisor."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Slot:
    """One of the N daphne processes: the current child, and when it may be started again after a death."""

    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    backoff: float = FIRST_BACKOFF


class Supervisor:
    def __init__(self, command: list[str], fd: int, processes: int, *, max_deaths: int, within: float) -> None:
        self.command = command
        self.fd = fd
        self.slots = [Slot() for _ in range(processes)]
        self.max_deaths = max_deaths
        self.within = within
        self.deaths: deque[float] = deque()
        self.stopping = False

    def start(self, slot: Slot) -> None:
        slot.process = subprocess.Popen(  # noqa: S603 - a fixed argv
            self.command, pass_fds=[self.fd], preexec_fn=_die_with_parent,  # the launcher runs no threads
        )
        slot.started_at = time.monotonic()
        log(f"daphne process {slot.process.pid} started")

    def request_stop(self, signum: int, frame: object) -> None:
        # Only a flag: the loop does the work, so a signal arriving mid-restart cannot leave a child behind.
        self.stopping = True

    def crash_loop(self, now: float) -> bool:
        self.deaths.append(now)
        while self.deaths and now - self.deaths[0] > self.within:
            self.deaths.popleft()
        return len(self.deaths) >= self.max_deaths

    def run(self) -> int:
        for slot in self.slots:
            self.start(slot)
        while not self.stopping:
            now = time.monotonic()
            for slot in self.slots:
                if slot.process is not None and slot.process.poll() is not None:
                    log(f"daphne process {slot.process.pid} exited with status {slot.process.returncode}")
                    slot.process = None
                    if self.crash_loop(now):
                        log(f"{len(self.deaths)} deaths within {self.within:g} s: a crash loop, giving up")
                        self.stop_all()
                        return 1
                    if now - slot.started_at >= STABLE_AFTER:
                        slot.backoff = FIRST_BACKOFF
                    slot.restart_at = now + slot.backoff
                    slot.backoff = min(slot.backoff * 2, MAX_BACKOFF)
                if slot.process is None and now >= slot.restart_at and not self.stopping:
                    self.start(slot)
            time.sleep(POLL_INTERVAL)
        self.stop_all()
        return 0

    def stop_all(self) -> None:
        running = [slot.process for slot in self.slots if slot.process is not None]
        for process in running:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                # daphne waits for open connections to finish; a stop must not hang on a slow client.
                process.kill()
                process.wait()


def log(message: str) -> None:
    print(f"hub.serve: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    # A bench opens 10,000 sockets at once; the kernel caps this at net.core.somaxconn.
    parser.add_argument("--backlog", type=int, default=4096, help="listen backlog (default 4096)")
    parser.add_argument("--max-deaths", type=int, default=5,
                        help="crash loop: exit 1 once this many children died ... (default 5)")
    parser.add_argument("--within", type=float, default=60.0, metavar="SECONDS",
                        help="... within this many seconds (default 60)")
    args = parser.parse_args(argv)

    if args.processes > 1 and not os.environ.get("REDIS_URL"):
        print("Several processes need REDIS_URL: the in-memory channel layer cannot cross processes.", file=sys.stderr)
        return 2

    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(args.backlog)
    listener.set_inheritable(True)
    fd = listener.fileno()

    # Client addresses from X-Forwarded-For only behind a proxy that overwrites it (PROXY_HEADERS=true):
    # otherwise anyone could choose the address that rate limits and the audit log see.
    proxy = ["--proxy-headers"] if os.environ.get("PROXY_HEADERS", "").lower() in {"1", "true", "yes"} else []
    # After a restart every open page reconnects at once: at daphne's default of 5 s, handshakes queued behind
    # thousands of others were dropped (bench/live_many.py). 30 s still ends a stalled one.
    command = [sys.executable, "-m", "daphne", "--fd", str(fd), "--websocket_connect_timeout", "30", *proxy,
               "hub.asgi:application"]
    supervisor = Supervisor(command, fd, args.processes, max_deaths=args.max_deaths, within=args.within)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    print(f"{args.processes} daphne processes serving http://{args.host}:{args.port}/", flush=True)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
