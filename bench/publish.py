"""Publish benchmark: a bulletin to 10,000 recipients (`python -m bench.publish [live_clients]`).

Through the real stack: the officer's POST to the publish view on 2 daphne processes (its response time),
then 2 `db_worker` processes sending every e-mail (locmem backend) until every delivery is marked, while live
clients among the recipients (default 500) wait for the bulletin on their sockets.
"""

import asyncio
import json
import logging
import re
import subprocess
import sys
import time

import httpx
import websockets

from bench.common import raise_file_limit, serving, session_keys, write_result
from bench.env import BASE_DIR, DATABASES, server_env, setup_django
from bench.seed import PUBLISH_SECTOR

logging.getLogger("httpx").setLevel(logging.WARNING)

WORKERS = 2


def officer_session() -> str:
    from accounts.models import User

    return session_keys([User.objects.get(email="bench-officer@bench.example")])[0]


def recipients_sessions(count: int) -> list[str]:
    from accounts.models import User

    users = User.objects.filter(memberships__sector__slug=PUBLISH_SECTOR, memberships__status="approved")
    return session_keys(users.order_by("pk")[:count])


def draft():
    from accounts.models import User
    from messaging.bulletins.models import Bulletin
    from sectors.models import Sector

    bulletin = Bulletin.objects.create(title=f"Publish benchmark {time.time():.0f}", body="Ten thousand people.",
                                       author=User.objects.get(email="bench-officer@bench.example"))
    bulletin.sectors.set([Sector.objects.get(slug=PUBLISH_SECTOR)])
    return bulletin


def unsent(bulletin_id: int) -> int:
    from messaging.bulletins.models import Delivery

    return Delivery.objects.filter(bulletin_id=bulletin_id, emailed_at__isnull=True).count()


async def run(url: str, bulletin_id: int, officer: str, listeners: list[str]) -> dict:
    ws_url = url.replace("http://", "ws://") + "/ws/live/"
    sockets = []
    for i in range(0, len(listeners), 50):
        batch = await asyncio.gather(*(
            websockets.connect(ws_url, additional_headers={"Cookie": f"sessionid={key}"}, origin=url,
                               open_timeout=60, max_queue=None) for key in listeners[i:i + 50]))
        for socket in batch:
            await socket.recv()  # hello
        sockets += batch
    arrivals: list[float] = []

    async def listen(socket) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if message.get("type") == "bulletin" and message["id"] == bulletin_id:
                arrivals.append(time.monotonic())
                return

    tasks = [asyncio.create_task(listen(socket)) for socket in sockets]
    async with httpx.AsyncClient(base_url=url, timeout=120, cookies={"sessionid": officer}) as client:
        # The officer's confirmation page ("Publish to N members"), whose form the officer posts.
        page = await client.get(f"/bulletins/manage/{bulletin_id}/publish/")
        assert page.status_code == 200, page.status_code
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        # Publishing acts once per rendered form: send the form's one-time token as a browser would.
        once_token = re.search(r'name="once_token" value="([^"]+)"', page.text).group(1)
        # The CSRF cookie is Secure under production settings; this plain-HTTP client sends it by hand.
        client.cookies.set("csrftoken", page.cookies["csrftoken"])
        started = time.monotonic()
        response = await client.post(f"/bulletins/manage/{bulletin_id}/publish/",
                                     data={"csrfmiddlewaretoken": token, "once_token": once_token},
                                     headers={"Referer": url + "/"})
        publish_seconds = time.monotonic() - started
        assert response.status_code == 302, response.status_code
    while await asyncio.to_thread(unsent, bulletin_id):
        if time.monotonic() - started > 600:
            break
        await asyncio.sleep(0.2)
    emailed_seconds = time.monotonic() - started
    await asyncio.wait(tasks, timeout=max(0.1, 30 - (time.monotonic() - started)))
    for socket in sockets:
        await socket.close()
    return {
        "publish_request_seconds": publish_seconds, "all_emailed_seconds": emailed_seconds,
        "unsent_after": await asyncio.to_thread(unsent, bulletin_id), "live_clients": len(sockets),
        "live_received": len(arrivals),
        "all_live_seconds": (max(arrivals) - started) if arrivals else float("nan"),
    }


def main() -> None:
    live_clients = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    raise_file_limit()
    database_url = DATABASES["big"]
    setup_django(database_url)
    from messaging.bulletins.models import Bulletin, Delivery

    bulletin = draft()
    officer, listeners = officer_session(), recipients_sessions(live_clients)
    workers = [subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",  # noqa: S603
                                 "--interval", "0.2"], cwd=BASE_DIR, env=server_env(database_url),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(WORKERS)]
    try:
        with serving(database_url) as url:
            result = asyncio.run(run(url, bulletin.pk, officer, listeners))
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    result["recipients"] = Delivery.objects.filter(bulletin=bulletin).count()
    Bulletin.objects.filter(pk=bulletin.pk).delete()  # keep the data set reusable
    print(f"publish to {result['recipients']:,}: request {result['publish_request_seconds']:.2f} s, all e-mailed "
          f"{result['all_emailed_seconds']:.1f} s by {WORKERS} workers, {result['live_received']}/"
          f"{result['live_clients']} live clients in {result['all_live_seconds']:.2f} s", flush=True)
    write_result("publish", result)


if __name__ == "__main__":
    main()
