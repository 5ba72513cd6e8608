"""Page benchmark: `python -m bench.pages big|small` against 2 daphne processes on PostgreSQL + Redis.

For each page: SQL queries (Django's test client in this process), server time (sequential requests, so no
queueing: the median is what one request costs), then throughput and p50/p95/p99 under concurrent load from
logged-in members (an async httpx load generator).

The floor is `/healthz` on the same server in the same run, measured the same way (sequential requests, median),
without a session, as a load balancer probes it: it asks the database and the channel layer, so it is what one
request through the whole stack costs with no page behind it. It is sampled right before every page, so that
noise from anything else on the machine falls on both sides of the ratio; each page's `ratio_to_healthz` is its
median over the median of all the /healthz samples (`healthz_server_ms_p50`).
"""

import asyncio
import logging
import sys
import time

import httpx

from bench.common import RESULTS_DIR, percentiles, serving, session_keys, write_result
from bench.env import DATABASES, manage, setup_django
from bench.seed import BENCH_MEMBERS

logging.getLogger("httpx").setLevel(logging.WARNING)

SEQUENTIAL = 60
CONCURRENCY = 8
DURATION = 6.0


def pages() -> dict[str, str]:
    from messaging.board.models import Thread

    big_thread = Thread.objects.get(title="Bench: the 1,000-post thread")
    return {
        "forum index": "/forums/",
        "big forum": "/forums/retail/",
        "1,000-post thread, last page": f"/forums/threads/{big_thread.pk}/?page=last",
        "inbox": "/bulletins/",
        "dashboard": "/dashboard/",
    }


def query_count(path: str, email: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    client.get("/dashboard/")  # the session's first request does one-off work
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


async def sequential(url: str, cookies: list[str] | None, count: int = SEQUENTIAL) -> list[float]:
    """One request at a time (cookies None: anonymous); the time each took, in ms."""
    samples = []
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(count):
            headers = {"Cookie": f"sessionid={cookies[i % len(cookies)]}"} if cookies else {}
            started = time.perf_counter()
            response = await client.get(url, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    return samples


async def load(url: str, cookies: list[str]) -> tuple[int, list[float], int]:
    samples: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + DURATION

    async def user(n: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=30) as client:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = await client.get(url, headers={"Cookie": f"sessionid={cookies[n % len(cookies)]}"})
                samples.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200

    await asyncio.gather(*(user(n) for n in range(CONCURRENCY)))
    return len(samples), samples, errors


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "big"
    database_url = DATABASES[size]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)  # the server's log goes there, from a fresh clone too
    manage(database_url, "collectstatic", "--noinput", "-v0")
    setup_django(database_url)
    emails = [f"bench-member-{i}@bench.example" for i in range(min(BENCH_MEMBERS, 20))]
    from accounts.models import User

    cookies = session_keys(User.objects.filter(email__in=emails))
    results = {}
    healthz_samples: list[float] = []
    with serving(database_url) as base:
        asyncio.run(sequential(base + "/healthz", None, 10))  # warm connections
        for name, path in pages().items():
            queries = query_count(path, emails[0])
            asyncio.run(sequential(base + path, cookies[:5]))  # warm caches and connections
            healthz_samples += asyncio.run(sequential(base + "/healthz", None))
            server_time = percentiles(asyncio.run(sequential(base + path, cookies)))
            count, samples, errors = asyncio.run(load(base + path, cookies))
            results[name] = {
                "path": path, "queries": queries, "server_ms_p50": server_time["p50"],
                "rps": count / DURATION, **{f"load_{k}": v for k, v in percentiles(samples).items()},
                "errors": errors,
            }
            print(f"{size:5} {name:32} {queries:3} queries  {server_time['p50']:6.1f} ms  "
                  f"{count / DURATION:6.1f} req/s  p95 {results[name]['load_p95']:6.1f} ms", flush=True)
    healthz = percentiles(healthz_samples)["p50"]
    for name, result in results.items():
        result["ratio_to_healthz"] = round(result["server_ms_p50"] / healthz, 2)
        print(f"{size:5} {name:32} {result['ratio_to_healthz']:5.2f}x /healthz", flush=True)
    print(f"{size:5} {'/healthz (sequential median)':32} {healthz:6.1f} ms", flush=True)
    write_result(f"pages-{size}", {"size": size, "concurrency": CONCURRENCY, "healthz_server_ms_p50": healthz,
                                   "pages": results})


if __name__ == "__main__":
    main()
