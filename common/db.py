"""Database helpers shared by the apps."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def planned_for_these_values() -> Iterator[None]:
    """Run the enclosed queries in a transaction whose plans are made for their own parameter values.

    On PostgreSQL the portal prepares statements it runs often (hub.settings: server-side binding), and after a few
    runs PostgreSQL may keep one generic plan for every value. That is what most pages want (no planning at all),
    but not a query whose best plan depends on the values: a word every post has wants the newest rows walked
    until enough match, a rare word wants its index first. Measured on the search bench: 40 ms with plans for
    the values, 260-440 ms with the generic one.

    SET LOCAL lasts until the outermost transaction ends: called inside another transaction, the rest of that
    one is planned the same way (correct, only slower)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield
