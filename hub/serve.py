"""Run several daphne processes behind one port: ``python -m hub.serve --processes 2 --port 8000``.

The parent binds the listening socket once and hands it to each daphne child (``daphne --fd``); the kernel
spreads new connections across the processes accepting on it. The Redis channel layer (REDIS_URL) carries
live updates between them, so a bulletin published through one process reaches sockets held by the others.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    if args.processes > 1 and not os.environ.get("REDIS_URL"):
        print("Several processes need REDIS_URL: the in-memory channel layer cannot cross processes.", file=sys.stderr)
        return 2

    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(1024)
    listener.set_inheritable(True)
    fd = listener.fileno()

    # Client addresses from X-Forwarded-For only behind a proxy that overwrites it (PROXY_HEADERS=true):
    # otherwise anyone could choose the address that rate limits and the audit log see.
    proxy = ["--proxy-headers"] if os.environ.get("PROXY_HEADERS", "").lower() in {"1", "true", "yes"} else []
    command = [sys.executable, "-m", "daphne", "--fd", str(fd), *proxy, "hub.asgi:application"]
    children = [subprocess.Popen(command, pass_fds=[fd]) for _ in range(args.processes)]  # noqa: S603 - fixed argv
    print(f"{args.processes} daphne processes serving http://{args.host}:{args.port}/", flush=True)

    def stop(signum, frame) -> None:
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop(None, None)
        for child in children:
            child.wait(timeout=10)
    return max((child.returncode or 0) for child in children)


if __name__ == "__main__":
    sys.exit(main())
