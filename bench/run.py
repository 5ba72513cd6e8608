"""`make bench`: seed both data sets, run every benchmark on the production stack, print one table and write
it to bench/results.md with the date and the machine."""

import json
import math
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bench.common import RESULTS_DIR
from bench.env import BASE_DIR

STEPS = [
    ["bench.seed", "big"], ["bench.seed", "small"],
    ["bench.pages", "big"], ["bench.pages", "small"],
    # live_fanout runs the machine's floor (bench/floor.py) first, with the same clients and updates.
    ["bench.publish"], ["bench.live_fanout"], ["bench.live_many"],
    # Check-ins: 5,000 organisations answering within a minute with 3 officers' grids open; search on the big set.
    ["bench.checkins"], ["bench.search", "big"],
]
NOT_MEASURED = "not measured"
PAGES_HEALTHZ_GOAL = 3.0
FLOOR_GOAL = 2.0
MANY_P99_GOAL_MS = 2000
MANY_KIB_GOAL = 50


def machine() -> str:
    with open("/proc/meminfo") as meminfo:
        kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    return f"{os.cpu_count()} cores, {kib / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def load(name: str) -> dict:
    return json.loads((RESULTS_DIR / f"{name}.json").read_text())


def load_optional(name: str) -> dict | None:
    """A result that an older run (`python -m bench.run report`) may not have."""
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def percent(share: float) -> str:
    """Rounded down: 49,990 of 50,000 must not read as 100%."""
    return "100%" if share == 1 else f"{math.floor(share * 10_000) / 100:.2f}%"


def ms(value: float) -> str:
    return f"{value:,.0f}"


def pages_section(pages_big: dict, small: dict) -> list[str]:
    big = pages_big["pages"]
    healthz = pages_big.get("healthz_server_ms_p50")
    lines = [
        "## Pages (big data set: 10,000 organisations, 30,000 members, 20,000 threads, 300,000 posts, 2,000 "
        "bulletins)", "",
        "| page | queries (big / small) | server time p50 ms (big / small, ratio) | x healthz | req/s "
        "| load p50 / p95 / p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in big.items():
        other = small[name]
        ratio = row["server_ms_p50"] / other["server_ms_p50"]
        to_healthz = f"{row['ratio_to_healthz']:.2f}" if "ratio_to_healthz" in row else "-"
        lines.append(
            f"| {name} | {row['queries']} / {other['queries']} | {row['server_ms_p50']:.1f} / "
            f"{other['server_ms_p50']:.1f} ({ratio:.2f}) | {to_healthz} | {row['rps']:.0f} | {row['load_p50']:.0f} / "
            f"{row['load_p95']:.0f} / {row['load_p99']:.0f} |")
    if healthz is not None:
        lines += ["", f"x healthz: the page's sequential median over `/healthz`'s on the same server in the same run "
                      f"({healthz:.1f} ms; anonymous, it asks the database and the channel layer)."]
    return lines


def publish_rows(publish: dict) -> list[str]:
    return [
        f"| publish request, {publish['recipients']:,} recipients | {publish['publish_request_seconds']:.2f} s |",
        f"| every delivery e-mailed by 2 `db_worker` processes | {publish['all_emailed_seconds']:.1f} s |",
        f"| live clients among the recipients that got it / time | {publish['live_received']}/"
        f"{publish['live_clients']} in {publish['all_live_seconds']:.2f} s |",
    ]


def fanout_section(live: dict) -> list[str]:
    """The portal's fan-out beside the machine's floor, same clients and updates, in the same run."""
    floor = live.get("floor")
    lines = [
        "", f"### Live fan-out: {live['clients']:,} clients x {live['updates']} updates, portal vs the floor", "",
        "| | delivered | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|",
    ]
    if floor:
        lines.append(f"| floor: 2 plain `websockets` processes on Redis pub/sub, publish -> arrival "
                     f"(`{Path(floor['script']).name}`) | {percent(floor['share'])} | {ms(floor['latency_p50'])} | "
                     f"{ms(floor['latency_p95'])} | {ms(floor['latency_p99'])} |")
    lines.append(f"| portal: 2 daphne processes, publishing transaction's commit -> arrival | "
                 f"{percent(live['share'])} | {ms(live['latency_p50'])} | {ms(live['latency_p95'])} | "
                 f"{ms(live['latency_p99'])} |")
    if floor:
        lines += [f"| portal / floor | | {live['ratio_p50']:.1f}x | {live['ratio_p95']:.1f}x | "
                  f"{live['ratio_p99']:.1f}x |", "",
                  "The floor's clock starts at its Redis PUBLISH; the portal's at the commit of the publishing "
                  "transaction, so the portal's figure also holds what runs between the commit and its own publish "
                  "to the channel layer. Both load generators are one asyncio process of the same shape (batches "
                  "of 50 connections, updates a second apart)."]
    else:
        lines += ["", "The floor was not measured (no `../shared/bench/ws_floor.py`; set BENCH_FLOOR)."]
    return lines


def memory_rows(many: dict) -> list[str]:
    return [f"| daphne process {n}: sockets held, RSS before any socket -> all open and idle, per idle socket | "
            f"{row['sockets']:,}, {row['rss_before_kib'] / 1024:.0f} -> {row['rss_idle_kib'] / 1024:.0f} MiB, "
            f"{row['kib_per_socket']:.1f} KiB |" for n, row in enumerate(many["memory"], 1)]


def cpu_row(label: str, phase: dict) -> str:
    return (f"| CPU {label} ({phase['seconds']:.0f} s): load processes / daphne processes / Redis | "
            f"{phase['load']:.1f} / {phase['server']:.1f} / {phase['redis']:.1f} s |")


def many_section(many: dict | None) -> list[str]:
    if many is None:
        return ["", "### 10,000 sockets", "", NOT_MEASURED]
    failures = ", ".join(f"{reason}: {count}" for reason, count in many["connect_failures"].items()) or "none"
    closed = ", ".join(f"{reason}: {count}" for reason, count in many["closed_early"].items()) or "none"
    return [
        "", f"### {many['sockets']:,} sockets on 2 daphne processes ({many['load_processes']} load processes)", "",
        "| measure | figure |", "|---|---|",
        f"| sockets open (handshake + hello) / asked | {many['opened']:,} / {many['sockets']:,} in "
        f"{many['connect_seconds']:.0f} s |",
        f"| one socket's handshake + hello p50 / p95 / p99 | {ms(many['connect_p50'])} / {ms(many['connect_p95'])} "
        f"/ {ms(many['connect_p99'])} ms |",
        f"| failed to open / closed by the server before the end | {failures} / {closed} |",
        f"| {many['updates']} bulletins to all of them, delivered | {many['delivered']:,} of {many['expected']:,} "
        f"({percent(many['share'])}) |",
        f"| latency commit -> socket p50 / p95 / p99 (max) | {ms(many['latency_p50'])} / {ms(many['latency_p95'])} "
        f"/ {ms(many['latency_p99'])} ({ms(many['latency_max'])}) ms |",
        *memory_rows(many),
        cpu_row("while connecting", many["cpu_connect"]),
        *([cpu_row("all open, idle", many["cpu_idle"])] if "cpu_idle" in many else []),
        cpu_row("while publishing", many["cpu_publish"]),
        "", "Memory per idle socket: each daphne process's VmRSS with every socket open and idle minus its VmRSS "
            "before the first, over the sockets it holds (the first socket's imports are in it). CPU: user + "
            "system seconds of the load processes (their own getrusage) and of the server processes (/proc) over "
            "the same stretch; the machine's two cores are shared by all of them, PostgreSQL and Redis.",
    ]


def goals(big: dict, small: dict, publish: dict, live: dict, many: dict | None) -> list[str]:
    worst_queries = max(max(r["queries"] for r in big.values()), max(r["queries"] for r in small.values()))
    same_queries = all(big[n]["queries"] == small[n]["queries"] for n in big)
    slowest = max(r["server_ms_p50"] for r in big.values())
    lines = [
        "", "## Goals", "",
        f"- <= 12 SQL queries per page, constant from small to big: worst {worst_queries}, "
        f"{'identical' if same_queries else 'different'} counts: {verdict(worst_queries <= 12 and same_queries)}",
        f"- median server time < 50 ms on the big data set: slowest {slowest:.1f} ms: {verdict(slowest < 50)}",
    ]
    ratios = {name: row["ratio_to_healthz"] for name, row in big.items() if "ratio_to_healthz" in row}
    if ratios:
        worst = max(ratios, key=ratios.get)
        lines.append(f"- pages within {PAGES_HEALTHZ_GOAL:.0f}x of /healthz: worst {ratios[worst]:.2f}x ({worst}): "
                     f"{verdict(ratios[worst] <= PAGES_HEALTHZ_GOAL)}")
    else:
        lines.append(f"- pages within {PAGES_HEALTHZ_GOAL:.0f}x of /healthz: {NOT_MEASURED}")
    lines += [
        f"- publish to 10,000 returns in < 1 s: {publish['publish_request_seconds']:.2f} s: "
        f"{verdict(publish['publish_request_seconds'] < 1)}",
        f"- e-mails out in < 60 s with 2 workers: {publish['all_emailed_seconds']:.1f} s: "
        f"{verdict(publish['all_emailed_seconds'] < 60 and publish['unsent_after'] == 0)}",
        f"- live p99 < 500 ms to 2,000 clients, 100% delivered: {live['latency_p99']:.0f} ms, "
        f"{percent(live['share'])}: {verdict(live['latency_p99'] < 500 and live['share'] == 1)}",
    ]
    if live.get("floor"):
        lines.append(f"- live p99 within {FLOOR_GOAL:.0f}x of the floor at {live['clients']:,} clients: "
                     f"{live['ratio_p99']:.1f}x ({live['latency_p99']:.0f} vs {live['floor']['latency_p99']:.0f} ms): "
                     f"{verdict(live['ratio_p99'] <= FLOOR_GOAL and live['share'] == 1)}")
    else:
        lines.append(f"- live p99 within {FLOOR_GOAL:.0f}x of the floor: {NOT_MEASURED}")
    if many is None:
        lines += [f"- 10,000 sockets, 100% delivered, p99 < 2 s: {NOT_MEASURED}",
                  f"- memory < {MANY_KIB_GOAL} KiB per idle socket: {NOT_MEASURED}"]
    else:
        worst_kib = max(row["kib_per_socket"] for row in many["memory"])
        lines += [
            f"- {many['sockets']:,} sockets, 100% delivered, p99 < 2 s: {percent(many['share'])}, "
            f"{many['latency_p99']:.0f} ms: {verdict(many['share'] == 1 and many['latency_p99'] < MANY_P99_GOAL_MS)}",
            f"- memory < {MANY_KIB_GOAL} KiB per idle socket, per process: worst {worst_kib:.1f} KiB: "
            f"{verdict(worst_kib < MANY_KIB_GOAL)}",
        ]
    return [*lines, ""]


def checkins_section(checkins: dict | None) -> list[str]:
    if checkins is None:
        return []
    p99 = checkins["answer_p99"]
    lines = [
        "", "## Check-ins: 5,000 organisations answering within a minute, 3 officers' grids open", "",
        "| measure | figure | goal |", "|---|---|---|",
        f"| answers recorded once | {checkins['answers']:,} answers, {checkins['history']:,} history rows: "
        f"{checkins['recorded_once']} | every answer once: {verdict(checkins['recorded_once'])} |",
        f"| time to send them | {checkins['answer_seconds']} s | 60 s |",
        f"| answer request p50 / p95 / p99 ms (from its planned send) | {checkins['answer_p50']} / "
        f"{checkins['answer_p95']} / {p99} | p99 < 200: {verdict(p99 < 200)} |",
        f"| grid page queries at 10 / 10,000 organisations | {checkins['grid_queries_10']} / "
        f"{checkins['grid_queries_10000']} | <= 12, constant: "
        f"{verdict(checkins['grid_queries_10'] == checkins['grid_queries_10000'] <= 12)} |",
        f"| answer commit -> officer's socket p50 / p99 ms | {checkins['update_message_p50']} / "
        f"{checkins['update_message_p99']} | < 1,500: {verdict(checkins['update_message_p99'] < 1500)} |",
        f"| answer commit -> the refreshed grid received p50 / p99 ms | {checkins['update_fragment_p50']} / "
        f"{checkins['update_fragment_p99']} | |",
    ]
    if "server_cpu_ms_per_answer" in checkins:
        lines += [
            f"| CPU while answering: daphne processes / PostgreSQL / load generator | "
            f"{checkins['cpu_server_seconds']} / {checkins['cpu_postgres_seconds']} / {checkins['cpu_load_seconds']} "
            f"s ({checkins['server_cpu_ms_per_answer']} + {checkins['postgres_cpu_ms_per_answer']} ms an answer, "
            "the officers' grids included) | |",
        ]
    return lines


def search_section(search: dict | None) -> list[str]:
    if search is None:
        return []
    rows = [f"| {name} | {result['queries']} | {result['server_ms_p50']:.1f} | {result['server_ms_p95']:.1f} |"
            for name, result in search["searches"].items()]
    return [
        "", "## Search on the big data set (p50 goal < 100 ms, constant queries)", "",
        "| search | queries | p50 ms | p95 ms |", "|---|---|---|---|", *rows, "",
        f"Worst p50 {search['worst_p50_ms']:.1f} ms ({verdict(search['worst_p50_ms'] < search['goal_ms'])}); queries "
        f"{'constant' if search['constant_queries'] else 'vary'}.",
    ]


def report() -> str:
    pages_big, small = load("pages-big"), load("pages-small")["pages"]
    publish, live, many = load("publish"), load("live"), load_optional("live-many")
    return "\n".join([
        "# Benchmark results", "",
        f"{datetime.now():%Y-%m-%d %H:%M}, {machine()}. PostgreSQL + Redis, 2 daphne processes "
        f"(`python -m hub.serve --processes 2`), DEBUG off. Load: {pages_big['concurrency']} concurrent "
        "logged-in members (async httpx). Server time = median of sequential requests.", "",
        *pages_section(pages_big, small),
        "", "## Publishing and live updates", "",
        "| measure | figure |", "|---|---|",
        *publish_rows(publish),
        *fanout_section(live),
        *many_section(many),
        *goals(pages_big["pages"], small, publish, live, many),
        *checkins_section(load_optional("checkins")),
        *search_section(load_optional("search-big")),
    ])


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
