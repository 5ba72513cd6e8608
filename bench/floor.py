"""The floor of live fan-out on this machine: `python -m bench.floor [clients] [updates]` (defaults 2,000 and 5).

Runs the shared floor script (`../shared/bench/ws_floor.py` beside the repository, or the path in BENCH_FLOOR):
plain `websockets` servers on Redis pub/sub with a load generator of the same shape as bench/live_fanout.py.
It is not copied here: it belongs to the machine, not to the Hub, and every project measures against the same
one. Its latency runs from the Redis publish to the arrival; the portal's from the publishing transaction's
commit to the arrival (the portal's figure also holds the after-commit work that leads up to its publish).
bench/live_fanout.py runs it first with its own client count, so the two are always comparable.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.common import write_result
from bench.env import BASE_DIR

SERVER_PROCESSES = 2  # as many as the portal's daphne processes
TIMEOUT = 900
# The script's one line of results: "... 2000 clients x 5 updates, 100.0% delivered, p50 12 ms, p95 40 ms, p99 93 ms"
RESULT_LINE = re.compile(
    r"(?P<clients>\d+) clients x (?P<updates>\d+) updates, (?P<share>[\d.]+)% delivered, "
    r"p50 (?P<p50>[\d.]+) ms, p95 (?P<p95>[\d.]+) ms, p99 (?P<p99>[\d.]+) ms")


def script() -> Path:
    path = Path(os.environ.get("BENCH_FLOOR", "../shared/bench/ws_floor.py"))
    return path if path.is_absolute() else (BASE_DIR / path).resolve()


def parse(output: str) -> dict:
    line = next((line for line in output.splitlines() if RESULT_LINE.search(line)), None)
    if line is None:
        raise RuntimeError(f"the floor script printed no result line:\n{output[-2000:]}")
    found = RESULT_LINE.search(line).groupdict()
    return {"clients": int(found["clients"]), "updates": int(found["updates"]),
            "share": float(found["share"]) / 100, "latency_p50": float(found["p50"]),
            "latency_p95": float(found["p95"]), "latency_p99": float(found["p99"]), "line": line.strip()}


def measure(clients: int, updates: int) -> dict | None:
    """Run the floor script; None (and say so) when it is not on this machine, so the portal is still measured."""
    path = script()
    if not path.is_file():
        print(f"floor: {path} not found (set BENCH_FLOOR); the portal is measured without it", flush=True)
        return None
    done = subprocess.run([sys.executable, str(path), str(clients), str(updates), str(SERVER_PROCESSES)],  # noqa: S603
                          cwd=BASE_DIR, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the floor script failed ({done.returncode}):\n{done.stderr[-2000:]}")
    result = parse(done.stdout)
    print(done.stdout.strip(), flush=True)
    return {**result, "script": str(path)}


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    updates = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    result = measure(clients, updates)
    if result is not None:
        write_result("floor", result)


if __name__ == "__main__":
    main()
