"""PostgreSQL prepares the statements a connection runs again (hub.settings: server-side binding), and the queries
whose plans depend on their values can ask for their own plans (common.db)."""

import pytest
from django.db import connection

from accounts.models import User
from common.db import planned_for_these_values

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="prepared statements are PostgreSQL's"),
]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def test_a_query_run_again_on_a_connection_is_prepared():
    for _ in range(3):
        list(User.objects.filter(email="nobody@example.org"))
    assert any('"accounts_user"."email" = $1' in statement for statement in prepared_statements())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as a request runs
def test_queries_planned_for_their_values_only_inside_the_block():
    assert plan_cache_mode() == "auto"
    with planned_for_these_values():
        assert plan_cache_mode() == "force_custom_plan"
    assert plan_cache_mode() == "auto"
