"""`make bench`: seed both data sets, run every benchmark on the production stack, print one table and write
it to bench/results.md with the date and the machine."""

import json
import os
import platform
import subprocess
import sys
from datetime import datetime

from bench.common import RESULTS_DIR
from bench.env import BASE_DIR

STEPS = [
    ["bench.seed", "big"], ["bench.seed", "small"],
    ["bench.pages", "big"], ["bench.pages", "small"],
    ["bench.publish"], ["bench.live_fanout"],
]


def machine() -> str:
    with open("/proc/meminfo") as meminfo:
        kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    return f"{os.cpu_count()} cores, {kib / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def load(name: str) -> dict:
    return json.loads((RESULTS_DIR / f"{name}.json").read_text())


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report() -> str:
    big, small = load("pages-big")["pages"], load("pages-small")["pages"]
    publish, live = load("publish"), load("live")
    lines = [
        "# Benchmark results", "",
        f"{datetime.now():%Y-%m-%d %H:%M}, {machine()}. PostgreSQL + Redis, 2 daphne processes "
        f"(`python -m hub.serve --processes 2`), DEBUG off. Load: {load('pages-big')['concurrency']} concurrent "
        "logged-in members (async httpx). Server time = median of sequential requests.", "",
        "## Pages (big data set: 10,000 organisations, 30,000 members, 20,000 threads, 300,000 posts, 2,000 "
        "bulletins)", "",
        "| page | queries (big / small) | server time p50 ms (big / small, ratio) | req/s | load p50 / p95 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    for name, row in big.items():
        other = small[name]
        ratio = row["server_ms_p50"] / other["server_ms_p50"]
        lines.append(
            f"| {name} | {row['queries']} / {other['queries']} | {row['server_ms_p50']:.1f} / "
            f"{other['server_ms_p50']:.1f} ({ratio:.2f}) | {row['rps']:.0f} | {row['load_p50']:.0f} / "
            f"{row['load_p95']:.0f} / {row['load_p99']:.0f} |")
    worst_queries = max(max(r["queries"] for r in big.values()), max(r["queries"] for r in small.values()))
    same_queries = all(big[n]["queries"] == small[n]["queries"] for n in big)
    slowest = max(r["server_ms_p50"] for r in big.values())
    lines += [
        "", "## Publishing and live updates", "",
        "| measure | figure |", "|---|---|",
        f"| publish request, {publish['recipients']:,} recipients | {publish['publish_request_seconds']:.2f} s |",
        f"| every delivery e-mailed by 2 `db_worker` processes | {publish['all_emailed_seconds']:.1f} s |",
        f"| live clients among the recipients that got it / time | {publish['live_received']}/"
        f"{publish['live_clients']} in {publish['all_live_seconds']:.2f} s |",
        f"| live fan-out: {live['clients']:,} clients x {live['updates']} updates, delivered | {live['share']:.1%} |",
        f"| live latency commit -> browser socket p50 / p95 / p99 | {live['latency_p50']:.0f} / "
        f"{live['latency_p95']:.0f} / {live['latency_p99']:.0f} ms |",
        "", "## Goals", "",
        f"- <= 12 SQL queries per page, constant from small to big: worst {worst_queries}, "
        f"{'identical' if same_queries else 'different'} counts: {verdict(worst_queries <= 12 and same_queries)}",
        f"- median server time < 50 ms on the big data set: slowest {slowest:.1f} ms: {verdict(slowest < 50)}",
        f"- publish to 10,000 returns in < 1 s: {publish['publish_request_seconds']:.2f} s: "
        f"{verdict(publish['publish_request_seconds'] < 1)}",
        f"- e-mails out in < 60 s with 2 workers: {publish['all_emailed_seconds']:.1f} s: "
        f"{verdict(publish['all_emailed_seconds'] < 60 and publish['unsent_after'] == 0)}",
        f"- live p99 < 500 ms to 2,000 clients, 100% delivered: {live['latency_p99']:.0f} ms, {live['share']:.1%}: "
        f"{verdict(live['latency_p99'] < 500 and live['share'] == 1)}",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:] == ["report"]:  # rebuild the table from the last results
        STEPS.clear()
    for step in STEPS:
        print(f"== {' '.join(step)}", flush=True)
        subprocess.run([sys.executable, "-m", *step], cwd=BASE_DIR, check=True)  # noqa: S603
    text = report()
    (BASE_DIR / "bench" / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
