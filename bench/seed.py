"""Generate a large data set quickly with bulk inserts: `python -m bench.seed big|small`.

Full size ("big"): 10,000 organisations, 30,000 members, 25 sectors, 20,000 threads, 300,000 posts, 2,000
bulletins with deliveries; "small" is a tenth of it, for the scaling check. Both hold the same bench people and
a 1,000-post thread. Reused across runs: a data set already seeded at its size is left alone.
"""

import random
import sys
import time
from datetime import timedelta

from bench.env import DATABASES, PASSWORD, SCALES, ensure_database, manage, setup_django

BATCH = 5000
BENCH_MEMBERS = 100  # bench-member-N@bench.example: approved in retail and transport; their inboxes are full
BIG_THREAD_POSTS = 1000
PUBLISH_SECTOR = "transport"
PUBLISH_RECIPIENTS = 10_000


def seed(size: str) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.db.models import Count, Max
    from django.utils import timezone

    from accounts import roles
    from accounts.models import User
    from common.text import plain_summary
    from messaging.board.models import Forum, Post, Thread
    from messaging.bulletins.models import Bulletin, Delivery, LiveStream
    from sectors.models import Borough, Membership, Organisation, Sector

    scale = SCALES[size]
    n_orgs, n_members = int(10_000 * scale), int(30_000 * scale)
    n_threads, n_posts, n_bulletins = int(20_000 * scale), int(300_000 * scale), int(2_000 * scale)
    if User.objects.filter(email__endswith="@members.bench.example").count() >= n_members:
        print(f"{size}: already seeded")
        return
    started = time.monotonic()
    rng = random.Random(2026)
    now = timezone.now()
    password = make_password(PASSWORD)
    sectors = list(Sector.objects.order_by("pk"))
    retail = Sector.objects.get(slug="retail")
    publish_sector = Sector.objects.get(slug=PUBLISH_SECTOR)
    boroughs = list(Borough.objects.all())

    with transaction.atomic():
        organisations = Organisation.objects.bulk_create(
            (Organisation(name=f"Bench organisation {i}", verified=True) for i in range(n_orgs)), batch_size=BATCH)
        Organisation.boroughs.through.objects.bulk_create(
            (Organisation.boroughs.through(organisation_id=o.pk, borough_id=rng.choice(boroughs).pk)
             for o in organisations), batch_size=BATCH)
        users = User.objects.bulk_create(
            (User(email=f"m{i}@members.bench.example", display_name=f"Member {i}", password=password,
                  organisation=organisations[i % n_orgs]) for i in range(n_members)), batch_size=BATCH)
        bench_people = User.objects.bulk_create(
            User(email=f"bench-member-{i}@bench.example", display_name=f"Bench member {i}", password=password,
                 organisation=organisations[i % n_orgs]) for i in range(BENCH_MEMBERS))
        officer = User.objects.create(email="bench-officer@bench.example", display_name="Bench officer",
                                      password=password)
        officer.groups.add(Group.objects.get(name=roles.OFFICERS))
        Authenticator.objects.create(user=officer, type=Authenticator.Type.TOTP,
                                     data={"secret": encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")})
        EmailAddress.objects.bulk_create(
            (EmailAddress(user=u, email=u.email, verified=True, primary=True)
             for u in [*users, *bench_people, officer]), batch_size=BATCH)
        # Everyone is in one sector (a third of them in retail, the busy one); some in a second.
        memberships, seen = [], set()
        for index, user in enumerate(users):
            first = retail if index % 3 == 0 else sectors[index % len(sectors)]
            choices = [first] + ([rng.choice(sectors)] if index % 4 == 0 else [])
            if index < PUBLISH_RECIPIENTS - BENCH_MEMBERS and size == "big":
                choices.append(publish_sector)
            for sector in choices:
                if (user.pk, sector.pk) not in seen:
                    seen.add((user.pk, sector.pk))
                    memberships.append(Membership(user=user, sector=sector, status="approved", statement="bench",
                                                  decided_at=now))
        for user in bench_people:
            memberships += [Membership(user=user, sector=retail, status="approved", statement="bench"),
                            Membership(user=user, sector=publish_sector, status="approved", statement="bench")]
        Membership.objects.bulk_create(memberships, batch_size=BATCH)

        # Threads: 40% in retail (the big forum), the rest spread; posts: one 1,000-post thread, the rest spread.
        forums = list(Forum.objects.order_by("pk"))
        retail_forum = Forum.objects.get(sector=retail)
        authors = users[:5000]
        threads = Thread.objects.bulk_create(
            (Thread(forum=retail_forum if i % 5 < 2 else forums[i % len(forums)], title=f"Bench thread {i}",
                    author=authors[i % len(authors)], status="approved",
                    created_at=now - timedelta(minutes=n_threads - i),
                    last_activity_at=now - timedelta(minutes=n_threads - i)) for i in range(n_threads)),
            batch_size=BATCH)
        big_thread = threads[-1]
        Thread.objects.filter(pk=big_thread.pk).update(forum=retail_forum, title="Bench: the 1,000-post thread")
        body = "A **bench** post with a [link](https://example.org) and some text to render.\n\n> quoted"
        # The HTML columns: bulk_create skips save(), but the models' bulk_create stores the HTML with the body
        # (common.text.CookedQuerySet), rendering each distinct body once per call.
        posts, per_thread = [], (n_posts - BIG_THREAD_POSTS) // max(1, n_threads - 1)
        for thread in threads[:-1]:
            posts += [Post(thread=thread, author=authors[(thread.pk + k) % len(authors)], body=body,
                           created_at=thread.created_at + timedelta(seconds=k)) for k in range(per_thread)]
            if len(posts) >= BATCH:
                Post.objects.bulk_create(posts)
                posts = []
        posts += [Post(thread=big_thread, author=authors[k % len(authors)], body=body,
                       created_at=big_thread.created_at + timedelta(seconds=k)) for k in range(BIG_THREAD_POSTS)]
        Post.objects.bulk_create(posts, batch_size=BATCH)
        with connection.cursor() as cursor:
            cursor.execute("""
                UPDATE board_thread t SET reply_count = p.n - 1, last_activity_at = p.last
                FROM (SELECT thread_id, COUNT(*) n, MAX(created_at) last FROM board_post GROUP BY thread_id) p
                WHERE p.thread_id = t.id""")
        for forum in Forum.objects.annotate(n=Count("threads"), last=Max("threads__last_activity_at")):
            posts_in = Post.objects.filter(thread__forum=forum).count()
            Forum.objects.filter(pk=forum.pk).update(thread_count=forum.n, post_count=posts_in,
                                                     last_activity_at=forum.last)

        # Bulletins, each delivered to the bench members and a slice of the retail members.
        retail_members = list(Membership.objects.filter(sector=retail, status="approved")
                              .values_list("user_id", flat=True)[:400])
        summary = plain_summary(body, 200)  # bulk_create skips Bulletin.save(), which fills it for the live push
        bulletins = Bulletin.objects.bulk_create(
            (Bulletin(title=f"Bench bulletin {i}", body=body, summary=summary, author=officer, status="published",
                      kind=rng.choice(Bulletin.Kind.values), severity=rng.choice(Bulletin.Severity.values),
                      published_at=now - timedelta(minutes=n_bulletins - i), sequence=i + 1)
             for i in range(n_bulletins)),
            batch_size=BATCH)
        # Their places in the live stream, in publish order, as the publish service numbers them.
        LiveStream.objects.update_or_create(pk=1, defaults={"last_sequence": n_bulletins})
        Bulletin.sectors.through.objects.bulk_create(
            Bulletin.sectors.through(bulletin_id=b.pk, sector_id=retail.pk) for b in bulletins)
        recipients = list(dict.fromkeys([u.pk for u in bench_people] + retail_members))
        deliveries = []
        for bulletin in bulletins:
            # Stamped with the bulletin's publication, as the publish service writes them (the inbox's order).
            deliveries += [Delivery(bulletin=bulletin, user_id=user_id, created_at=bulletin.published_at,
                                    emailed_at=now, read_at=now if (bulletin.pk + user_id) % 3 else None)
                           for user_id in recipients[: 100 + (bulletin.pk % 5) * 60]]
            if len(deliveries) >= BATCH:
                Delivery.objects.bulk_create(deliveries)
                deliveries = []
        Delivery.objects.bulk_create(deliveries)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the counters UPDATE above leaves a dead copy of every thread
    print(f"{size}: seeded in {time.monotonic() - started:.0f} s")


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "big"
    ensure_database(DATABASES[size])
    manage(DATABASES[size], "migrate", "--noinput", "-v0")
    setup_django(DATABASES[size])
    seed(size)


if __name__ == "__main__":
    main()
