"""Search benchmark: `python -m bench.search big|small [DATABASE_URL]` on PostgreSQL + Redis, 2 daphne processes.

The seeded data set (bench/seed.py: 300,000 posts at full size) is written by bulk inserts, which send no
signals: the search table is filled first with `manage.py reindex` (batches of 2,000, one upsert each, the
vectors computed in the same statements), once; a data set already indexed is left alone.

Then, for a few typical searches (a word every post has, a word in one thread's title, a phrase, a word with an
exclusion, a word nothing has, a word with a filter): the SQL queries of one page (Django's test client in
this process) and the server time of sequential requests (p50, no queueing), beside /healthz's in the same run.
Goal: p50 under 100 ms, and the same number of queries for every search.
"""

import asyncio
import sys
import time
from urllib.parse import urlencode

from bench.common import percentiles, serving, session_keys, write_result
from bench.env import DATABASES, manage, setup_django
from bench.pages import query_count, sequential

GOAL_MS = 100


def searches() -> dict[str, dict[str, str]]:
    return {
        "every post has it": {"q": "bench"},
        "one thread's title": {"q": "thread 12345"},
        "phrase": {"q": '"some text"'},
        "exclusion": {"q": "render -quoted"},
        "nothing has it": {"q": "zeppelin"},
        "word + filters": {"q": "link", "kind": "post", "where": "retail"},
        "bulletins only": {"q": "bench", "kind": "bulletin"},
    }


def ensure_indexed(database_url: str) -> None:
    from messaging.board.models import Post
    from search.models import SearchDocument

    posts = Post.objects.count()
    documents = SearchDocument.objects.count()
    if documents >= posts * 0.9:
        print(f"search table: {documents} documents already (for {posts} posts)", flush=True)
        return
    started = time.monotonic()
    manage(database_url, "reindex")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_searchdocument")
    print(f"search table: reindexed {SearchDocument.objects.count()} documents in "
          f"{time.monotonic() - started:.0f} s", flush=True)


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "big"
    database_url = sys.argv[2] if len(sys.argv) > 2 else DATABASES[size]
    manage(database_url, "migrate", "--noinput", "-v0")
    manage(database_url, "collectstatic", "--noinput", "-v0")
    setup_django(database_url)
    ensure_indexed(database_url)
    from accounts.models import User

    emails = [f"bench-member-{i}@bench.example" for i in range(20)]
    cookies = session_keys(User.objects.filter(email__in=emails))
    results, healthz_samples = {}, []
    with serving(database_url) as base:
        asyncio.run(sequential(base + "/healthz", None, 10))  # warm connections
        for name, params in searches().items():
            path = f"/search/?{urlencode(params)}"
            queries = query_count(path, emails[0])
            asyncio.run(sequential(base + path, cookies[:5], 10))  # warm
            healthz_samples += asyncio.run(sequential(base + "/healthz", None))
            server = percentiles(asyncio.run(sequential(base + path, cookies)))
            results[name] = {"path": path, "queries": queries, "server_ms_p50": server["p50"],
                             "server_ms_p95": server["p95"]}
            print(f"{size:5} search: {name:20} {queries:3} queries  p50 {server['p50']:6.1f} ms  "
                  f"p95 {server['p95']:6.1f} ms", flush=True)
    healthz = percentiles(healthz_samples)["p50"]
    for result in results.values():
        result["ratio_to_healthz"] = round(result["server_ms_p50"] / healthz, 2)
    worst = max(result["server_ms_p50"] for result in results.values())
    constant = len({result["queries"] for result in results.values()}) == 1
    print(f"{size:5} search: worst p50 {worst:.1f} ms (goal < {GOAL_MS} ms: {'met' if worst < GOAL_MS else 'MISSED'});"
          f" queries {'constant' if constant else 'VARY'}; /healthz {healthz:.1f} ms", flush=True)
    write_result(f"search-{size}", {"size": size, "healthz_server_ms_p50": healthz, "goal_ms": GOAL_MS,
                                    "worst_p50_ms": worst, "constant_queries": constant, "searches": results})


if __name__ == "__main__":
    main()
