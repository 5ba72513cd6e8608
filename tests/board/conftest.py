from types import SimpleNamespace

import pytest

from accounts import roles
from messaging.board import services
from messaging.board.models import Forum


@pytest.fixture
def forums(db, sector_a, sector_b) -> SimpleNamespace:
    return SimpleNamespace(hub=Forum.objects.hub(), a=Forum.objects.get(sector=sector_a),
                           b=Forum.objects.get(sector=sector_b))


@pytest.fixture
def board(people, forums, django_capture_on_commit_callbacks) -> SimpleNamespace:
    """Moderator A moderates forum A. In it: an approved thread by member A with a reply by lead A (which
    member A reported), and a pending thread by member A."""
    roles.make_moderator(people.moderator_a, forums.a)
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.start_thread(forums.a, author=people.member_a, title="Thefts on the high street",
                                         body="Two **distraction** thefts this week.")
        services.approve_thread(approved, by=people.moderator_a)
    reply = services.reply(approved, author=people.lead_a, body="Same here on Tuesday.")
    pending = services.start_thread(forums.a, author=people.member_a, title="Skimmers at the tills?",
                                    body="Found one today.")
    report = services.report_post(reply, by=people.member_a, reason="Off topic")
    approved.refresh_from_db()
    return SimpleNamespace(approved=approved, pending=pending, first_post=approved.posts.first(), reply=reply,
                           report=report)
