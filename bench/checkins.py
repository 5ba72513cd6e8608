"""Check-in benchmark: `python -m bench.checkins [answers] [seconds] [database_url]` (defaults 5,000, 60, big).

On the bench PostgreSQL + Redis set-up, against 2 daphne processes: an officer asks "are you affected?" on an
incident, about a bulletin named to one member of each of 5,000 organisations (so the check-in reaches exactly
5,000 organisations); those members answer within a minute, from an async httpx load generator (logged-in
sessions, the answer form's CSRF and one-time fields as a browser sends them), while the grid is open in 3
officer sockets (websockets), each fetching the grid again (``?fragment=grid&v=<version>``) whenever it is told
to, as static/live.js does. It reports:

- every answer recorded once (Answer and AnswerChange rows against answers sent, and the responses);
- the answer request's p50/p95/p99 (client side, under that load);
- grid update latency: from an answer's commit (its response arriving at the load generator: the commit is just
  before) to the first refresh message an officer socket gets after it, p50/p99; and the same to the refreshed
  grid fragment received (what the officer sees);
- the grid page's queries at 10 and at 10,000 organisations (Django's test client + CaptureQueriesContext), and
  its server time at 10,000 (requests one at a time, each after a change, so that each renders the grid).

What it creates (check-ins, their bulletins, incidents, queued e-mail tasks, sessions) is deleted afterwards, so
the data set stays reusable.
"""

import asyncio
import bisect
import json
import logging
import random
import resource
import secrets
import sys
import time

import aiohttp
import httpx
import websockets

from bench import procstat
from bench.common import forget_sessions, percentiles, raise_file_limit, serving, session_keys, write_result
from bench.env import DATABASES, manage, setup_django

logging.getLogger("httpx").setLevel(logging.WARNING)

OFFICER_SOCKETS = int(__import__("os").environ.get("BENCH_OFFICERS", "3"))
CONCURRENCY = 64  # requests in flight at most: the load generator's browsers
SEQUENTIAL = 20
WAIT_AFTER_LAST = 5.0
BIG_GRID = 10_000


# Preparing and cleaning up (sync, Django set up in this process) ------------------------------------------------


def officer():
    from accounts.models import User

    return User.objects.get(email="bench-officer@bench.example")


def ask(members, *, title: str, by):
    """A check-in on a new incident, about a bulletin named to ``members`` (its audience: exactly them)."""
    from messaging.bulletins import services as bulletin_services
    from messaging.bulletins.models import Bulletin
    from messaging.checkins import services
    from messaging.checkins.models import DEFAULT_CHOICES

    incident = bulletin_services.open_incident(title=title, sectors=[], boroughs=[], by=by)
    about = bulletin_services.create_draft(by=by, sectors=[], boroughs=[], kind=Bulletin.Kind.INCIDENT_UPDATE,
                                           title=title, body="Check-in benchmark.", everyone=False)
    about.incident = incident
    about.save(update_fields=["incident"])
    about.named_recipients.set(members)
    bulletin_services.publish_bulletin(about, by=by)
    return services.open_check_in(by=by, question=f"{title}: are your premises affected?", about=about,
                                  choices=[services.ChoiceSpec(label, contact) for label, contact in DEFAULT_CHOICES])


def answerers(count: int, offset: int = 0) -> list:
    """One member of each of ``count`` organisations (the seed gives member m<i> organisation i)."""
    from accounts.models import User

    emails = [f"m{i}@members.bench.example" for i in range(offset, offset + count)]
    return list(User.objects.filter(email__in=emails).select_related("organisation").order_by("pk"))


def premises(organisation_ids: list[int]) -> dict[int, int]:
    from sectors.models import Organisation

    through = Organisation.boroughs.through.objects.filter(organisation_id__in=organisation_ids)
    return dict(through.values_list("organisation_id", "borough_id"))


def fill_answers(check_in, by) -> int:
    """Every asked organisation of a big check-in answers (bulk: this only sets the stage for counting the grid's
    queries and timing its page at 10,000 organisations)."""
    from messaging.checkins.models import Answer
    from messaging.checkins.selectors import asked_organisations

    choices = list(check_in.choices.all())
    organisation_ids = list(asked_organisations(check_in).values_list("pk", flat=True))
    where = premises(organisation_ids)
    rng = random.Random(17)
    Answer.objects.bulk_create(
        (Answer(check_in=check_in, organisation_id=pk, choice=choices[rng.randrange(len(choices))],
                borough_id=where.get(pk) if rng.random() < 0.9 else None, answered_by=by,
                note="Bench note" if rng.random() < 0.2 else "") for pk in organisation_ids),
        batch_size=5000)
    return len(organisation_ids)


def grid_queries(check_in, officer_session: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from messaging.checkins import live_grid

    client = Client()
    client.cookies["sessionid"] = officer_session
    path = f"/checkins/{check_in.pk}/grid/"
    assert client.get(path).status_code == 200
    live_grid.bump(check_in.pk)  # a change: the measured request renders the grid, none is kept for it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return len(queries)


def once_tokens(users) -> dict[int, str]:
    """The one-time field of each member's answer form, as the form's render would issue it."""
    from types import SimpleNamespace

    from common import once

    return {user.pk: once.issue(SimpleNamespace(user=user)) for user in users}


def cleanup(check_ins: list) -> None:
    from django_tasks_db.models import DBTaskResult

    from messaging.bulletins.models import Bulletin, Incident
    from messaging.checkins.models import Answer, AnswerChange, CheckIn

    check_ins = list(CheckIn.objects.filter(pk__in=[c.pk for c in check_ins]))
    # Answers protect their choices: they go first.
    Answer.objects.filter(check_in__in=check_ins).delete()
    AnswerChange.objects.filter(check_in__in=check_ins).delete()
    bulletins = [pk for c in check_ins for pk in (c.carrier_id, c.about_id) if pk]
    incidents = [c.incident_id for c in check_ins if c.incident_id]
    CheckIn.objects.filter(pk__in=[c.pk for c in check_ins]).delete()
    Bulletin.objects.filter(pk__in=bulletins).delete()
    Incident.objects.filter(pk__in=incidents).delete()
    DBTaskResult.objects.filter(task_path__endswith=".send_bulletin_emails", args_kwargs__args__0__in=bulletins
                                ).delete()


def recorded(check_in) -> dict[str, int]:
    from messaging.checkins.models import Answer, AnswerChange

    return {"answers": Answer.objects.filter(check_in=check_in).count(),
            "history": AnswerChange.objects.filter(check_in=check_in).count()}


# The load --------------------------------------------------------------------------------------------------------


async def officers(url: str, sessions: list[str], check_in_pk: int, refreshes: list[float],
                   fragments: list[float], stop: asyncio.Event) -> None:
    """Officer browsers: a socket each; on every refresh naming the grid, fetch the grid part again."""
    ws_url = url.replace("http://", "ws://") + "/ws/live/"
    part = f"checkin-{check_in_pk}-grid"

    async def browser(session: str) -> None:
        async with websockets.connect(ws_url, additional_headers={"Cookie": f"sessionid={session}"}, origin=url,
                                      open_timeout=60, max_queue=None) as socket, \
                httpx.AsyncClient(base_url=url, timeout=30, cookies={"sessionid": session}) as client:
            assert json.loads(await socket.recv())["type"] == "hello"
            fetches: list[asyncio.Task] = []

            async def fetch(version: int | None) -> None:
                params = {"fragment": "grid", **({"v": str(version)} if version else {})}
                response = await client.get(f"/checkins/{check_in_pk}/grid/", params=params)
                if response.status_code == 200:
                    fragments.append(time.time())

            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                message = json.loads(raw)
                if part in (message.get("refresh") or []):
                    refreshes.append(time.time())
                    # As static/live.js: a fetch for every announcement, asking for the version it names.
                    fetches.append(asyncio.create_task(fetch((message.get("versions") or {}).get(part))))
            await asyncio.gather(*fetches)

    await asyncio.gather(*(browser(session) for session in sessions))


async def answer_load(url: str, check_in_pk: int, members: list[dict], seconds: float) -> dict:
    """Each member sends their organisation's answer once, spread evenly over ``seconds``. aiohttp, not httpx:
    the load generator shares the server's two cores, and httpx spent ~7 ms of CPU a request."""
    samples: list[float] = []
    committed: list[float] = []
    statuses: dict[int | str, int] = {}
    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)  # requests in flight at most, as the browsers'

    async with aiohttp.ClientSession(base_url=url, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=30)) as client:
        async def one(n: int, member: dict) -> None:
            await asyncio.sleep(max(0.0, started + n * seconds / len(members) - time.perf_counter()))
            csrf = secrets.token_hex(16)
            sent = time.perf_counter()
            try:
                async with client.post(
                    f"/checkins/{check_in_pk}/answer/", allow_redirects=False,
                    headers={"Cookie": f"sessionid={member['session']}; csrftoken={csrf}"},
                    data={"csrfmiddlewaretoken": csrf, "once_token": member["once"],
                          "choice": str(member["choice"]), "borough": str(member["borough"] or ""),
                          "note": member["note"]},
                ) as response:
                    await response.read()
            except (TimeoutError, aiohttp.ClientError) as error:
                # Counted (and its wait kept in the percentiles), not fatal: a run that overloads the server
                # still reports what it measured.
                samples.append((time.perf_counter() - sent) * 1000)
                status = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
                statuses[status] = statuses.get(status, 0) + 1
                return
            samples.append((time.perf_counter() - sent) * 1000)
            committed.append(time.time())
            statuses[response.status] = statuses.get(response.status, 0) + 1

        await asyncio.gather(*(one(n, member) for n, member in enumerate(members)))
    return {"samples": samples, "committed": committed, "statuses": statuses,
            "seconds": time.perf_counter() - started}


def update_latencies(committed: list[float], arrivals: list[float]) -> list[float]:
    """For each answer, the wait from its commit to the first arrival after it (ms); answers with no arrival after
    them are left out (and counted by the caller)."""
    arrivals = sorted(arrivals)
    waits = []
    for at in committed:
        index = bisect.bisect_left(arrivals, at)
        if index < len(arrivals):
            waits.append((arrivals[index] - at) * 1000)
    return waits


async def measure(url: str, check_in_pk: int, members: list[dict], officer_sessions: list[str],
                  seconds: float) -> dict:
    refreshes: list[float] = []
    fragments: list[float] = []
    stop = asyncio.Event()
    watching = asyncio.create_task(officers(url, officer_sessions[:OFFICER_SOCKETS], check_in_pk, refreshes,
                                            fragments, stop))
    await asyncio.sleep(2.0)  # the sockets open and join the stream
    daphnes = procstat.daphne_pids()
    before = cpu_now(daphnes)
    load = await answer_load(url, check_in_pk, members, seconds)
    used = cpu_used(before, cpu_now(daphnes))
    await asyncio.sleep(WAIT_AFTER_LAST)
    stop.set()
    await watching
    per_socket = len(refreshes) / max(1, len(officer_sessions))
    # The three sockets' arrivals merged: each answer's wait is to the first socket told after its commit (the
    # sockets hear the same coalesced stream, a few ms apart).
    message_waits = update_latencies(load["committed"], refreshes)
    fragment_waits = update_latencies(load["committed"], fragments)
    return {
        "answers_sent": len(members), "answer_seconds": round(load["seconds"], 1), "statuses": load["statuses"],
        **{f"answer_{k}": round(v, 1) for k, v in percentiles(load["samples"]).items()},
        "refresh_messages_per_socket": round(per_socket, 1),
        "refresh_messages_per_socket_per_second": round(per_socket / max(load["seconds"], 1), 2),
        **{f"update_message_{k}": round(v, 1) for k, v in percentiles(message_waits).items()},
        **{f"update_fragment_{k}": round(v, 1) for k, v in percentiles(fragment_waits).items()},
        "answers_without_a_later_refresh": len(load["committed"]) - len(message_waits),
        **{f"cpu_{name}_seconds": value for name, value in used.items()},
        "server_cpu_ms_per_answer": round(used["server"] * 1000 / len(members), 1),
        "postgres_cpu_ms_per_answer": round(used["postgres"] * 1000 / len(members), 1),
    }


def cpu_now(daphnes: list[int]) -> dict[str, dict[int, float] | float]:
    """CPU seconds used so far by the daphne processes, by each PostgreSQL process (every one on the machine: run
    on a quiet machine) and by this load generator (the officers' sockets and fetches included)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"server": procstat.cpu_total(daphnes),
            "postgres": {pid: procstat.cpu_total([pid]) for pid in procstat.pids_named("postgres")},
            "load": own.ru_utime + own.ru_stime}


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """Seconds used in between; a PostgreSQL backend that started meanwhile counts from nothing."""
    postgres = sum(seconds - before["postgres"].get(pid, 0.0) for pid, seconds in after["postgres"].items())
    return {"server": round(after["server"] - before["server"], 1), "postgres": round(postgres, 1),
            "load": round(after["load"] - before["load"], 1)}


async def grid_page_times(url: str, path: str, session: str, check_in_pk: int,
                          count: int = SEQUENTIAL) -> list[float]:
    """The grid page, one request at a time, each after a change (as during an incident): each renders the grid,
    none is served a render kept for an earlier one (live_grid)."""
    from messaging.checkins import live_grid

    samples = []
    async with httpx.AsyncClient(base_url=url, timeout=60, cookies={"sessionid": session}) as client:
        for _ in range(count):
            live_grid.bump(check_in_pk)
            started = time.perf_counter()
            response = await client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    return samples


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    database_url = sys.argv[3] if len(sys.argv) > 3 else DATABASES["big"]
    raise_file_limit()
    manage(database_url, "migrate", "--noinput", "-v0")
    manage(database_url, "collectstatic", "--noinput", "-v0")
    setup_django(database_url)
    by = officer()
    officer_sessions = session_keys([by] * max(1, OFFICER_SOCKETS))  # one officer, three browsers (a session each)
    created = []
    sessions: list[str] = []
    try:
        # The grid's queries at 10 and at 10,000 organisations (the latter: every asked organisation answered).
        small = ask(answerers(10, offset=5000), title="Bench check-in, 10 organisations", by=by)
        created.append(small)
        from messaging.checkins import services

        choices = list(small.choices.all())
        for n, member in enumerate(answerers(10, offset=5000)):
            services.answer(small, member.organisation, choices[n % len(choices)], "", None, member)
        queries_10 = grid_queries(small, officer_sessions[0])
        big = ask(answerers(BIG_GRID), title="Bench check-in, 10,000 organisations", by=by)
        created.append(big)
        filled = fill_answers(big, by)
        queries_10000 = grid_queries(big, officer_sessions[0])
        print(f"grid page: {queries_10} queries at 10 organisations, {queries_10000} at {filled:,}", flush=True)

        # The load: 5,000 organisations (members m0..m4999, one organisation each) answer within the minute.
        members = answerers(count)
        check_in = ask(members, title=f"Bench check-in, {count:,} organisations", by=by)
        created.append(check_in)
        sessions = session_keys(members)
        tokens = once_tokens(members)
        where = premises([member.organisation_id for member in members])
        choices = list(check_in.choices.all())
        rng = random.Random(2026)
        load_members = [{"session": session, "once": tokens[member.pk],
                         "choice": choices[rng.randrange(len(choices))].pk,
                         "borough": where.get(member.organisation_id) if rng.random() < 0.9 else None,
                         "note": "Shutters down, staff safe" if rng.random() < 0.1 else ""}
                        for member, session in zip(members, sessions, strict=True)]
        with serving(database_url) as url:
            result = asyncio.run(measure(url, check_in.pk, load_members, officer_sessions, seconds))
            grid_server = percentiles(asyncio.run(grid_page_times(url, f"/checkins/{big.pk}/grid/",
                                                                  officer_sessions[0], big.pk)))
        result.update(recorded(check_in))
        result["recorded_once"] = result["answers"] == result["history"] == count
        result.update({"grid_queries_10": queries_10, "grid_queries_10000": queries_10000,
                       "grid_organisations_big": filled, "grid_page_10000_server_ms_p50": round(grid_server["p50"], 1),
                       "grid_page_10000_server_ms_p95": round(grid_server["p95"], 1),
                       "officer_sockets": OFFICER_SOCKETS, "concurrency_cap": CONCURRENCY})
    finally:
        cleanup(created)
        forget_sessions(sessions + officer_sessions)
    print(f"check-ins: {result['answers']:,} answers and {result['history']:,} history rows for {count:,} sent "
          f"in {result['answer_seconds']} s (recorded once: {result['recorded_once']}; {result['statuses']})",
          flush=True)
    print(f"answer request p50 {result['answer_p50']} ms, p95 {result['answer_p95']} ms, "
          f"p99 {result['answer_p99']} ms", flush=True)
    print(f"grid update (commit -> officer socket) p50 {result['update_message_p50']} ms, "
          f"p99 {result['update_message_p99']} ms; to the refreshed grid p50 {result['update_fragment_p50']} ms, "
          f"p99 {result['update_fragment_p99']} ms; {result['refresh_messages_per_socket_per_second']} "
          "refreshes a second per socket", flush=True)
    print(f"CPU during the answers: daphne processes {result['cpu_server_seconds']} s "
          f"({result['server_cpu_ms_per_answer']} ms an answer, the officers' grids included), PostgreSQL "
          f"{result['cpu_postgres_seconds']} s, this load generator {result['cpu_load_seconds']} s", flush=True)
    print(f"grid page at {result['grid_organisations_big']:,} organisations: {result['grid_queries_10000']} queries, "
          f"{result['grid_page_10000_server_ms_p50']} ms (at 10: {result['grid_queries_10']} queries)", flush=True)
    write_result("checkins", result)


if __name__ == "__main__":
    main()
