from django.core.management.base import BaseCommand

from search import indexing
from search.models import SearchDocument


class Command(BaseCommand):
    help = ("Write the search documents of every searchable thread, reply, bulletin and incident (in batches, one "
            "upsert each) and remove those of rows no longer searchable. For rows written by bulk inserts (no "
            "signals), after changing search.models.CONFIG, or to repair the table; safe to run at any time.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", action="append", choices=SearchDocument.Kind.values,
                            help="Only this kind (repeatable); every kind by default.")
        parser.add_argument("--batch-size", type=int, default=indexing.BATCH_SIZE)

    def handle(self, *args, **options) -> None:
        verbose = options["verbosity"] > 1

        def progress(kind: str, done: int) -> None:
            if verbose:
                self.stdout.write(f"  {kind}: {done}")

        counts = indexing.reindex(options["kind"] or SearchDocument.Kind.values, batch_size=options["batch_size"],
                                  progress=progress)
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count} documents")
