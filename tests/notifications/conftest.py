from types import SimpleNamespace

import pytest

from accounts import roles
from messaging.board import services as board
from messaging.board.models import Forum


@pytest.fixture
def forums(db, sector_a, sector_b) -> SimpleNamespace:
    return SimpleNamespace(hub=Forum.objects.hub(), a=Forum.objects.get(sector=sector_a),
                           b=Forum.objects.get(sector=sector_b))


@pytest.fixture
def moderator(people, forums):
    roles.make_moderator(people.moderator_a, forums.a)
    return people.moderator_a


@pytest.fixture
def thread(people, forums, moderator, django_capture_on_commit_callbacks):
    """An approved thread in forum A, started by member A (who watches it, as every starter does)."""
    with django_capture_on_commit_callbacks(execute=True):
        started = board.start_thread(forums.a, author=people.member_a, title="Thefts on the high street",
                                     body="Two distraction thefts this week.")
        board.approve_thread(started, by=moderator)
    started.refresh_from_db()
    return started
