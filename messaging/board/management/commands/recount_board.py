from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery

from messaging.board.models import Forum, Post, Thread


class Command(BaseCommand):
    help = "Recompute the board's denormalised counters (replies per thread; threads, posts, last activity per forum)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        posts = Post.objects.filter(thread=OuterRef("pk")).order_by().values("thread")
        Thread.objects.update(
            reply_count=Subquery(posts.annotate(n=Count("pk")).values("n")[:1]) - 1,
        )
        for forum in Forum.objects.all():
            approved = Thread.objects.approved().filter(forum=forum)
            totals = approved.aggregate(threads=Count("pk"), last=Max("last_activity_at"))
            Forum.objects.filter(pk=forum.pk).update(
                thread_count=totals["threads"], last_activity_at=totals["last"],
                post_count=Post.objects.filter(thread__in=approved).count(),
            )
        self.stdout.write("Board counters recomputed.")
