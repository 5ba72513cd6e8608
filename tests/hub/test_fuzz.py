"""Random unicode, huge strings and NUL bytes through every form: a clear answer, never a 500."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import roles
from common import once
from messaging.board import services as board_services
from messaging.board.models import Forum
from messaging.bulletins import services as bulletin_services
from sectors.models import Membership, OrganisationAdministrator
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db

# Anything a browser (or an attacker's script) can put in a form field.
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=5).map(lambda s: s * 9_000),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\u202e\u200b", "😀" * 5_000, "<script>x</script>", "%00",
                     "0" * 25_000]),
)
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.RATE_LIMITS = {"thread": "100000/h", "post": "100000/h", "report": "100000/h", "apply": "100000/h"}


@pytest.fixture
def scene(people, sector_a, django_capture_on_commit_callbacks):
    forum = Forum.objects.get(sector=sector_a)
    roles.make_moderator(people.moderator_a, forum)
    thread = board_services.start_thread(forum, author=people.officer, title="Fuzzed", body="x")
    bulletin = BulletinFactory(title="To retail", author=people.officer, sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        bulletin_services.publish_bulletin(bulletin, by=people.officer)
    pending = Membership.objects.get(user=people.applicant, sector=sector_a)
    # Member A edits their organisation's profile below: only its administrators may.
    OrganisationAdministrator.objects.create(organisation=people.member_a.organisation, user=people.member_a)
    return {"forum": forum, "thread": thread, "post": thread.posts.get(), "bulletin": bulletin,
            "pending": pending, "sector_a": sector_a}


def _forms(scene, people):
    """(who, url, field names): every form a user fills in."""
    return [
        (people.member_b, reverse("sectors:apply"), ["statement", "organisation_name", "registered_number", "website"]),
        (people.member_a, reverse("sectors:organisation_edit", args=[people.member_a.organisation.pk]),
         ["name", "registered_number", "website"]),
        (people.lead_a, reverse("sectors:refuse", args=[scene["pending"].pk]), ["reason"]),
        (people.member_a, reverse("board:thread_create", args=[scene["forum"].slug]), ["title", "body"]),
        (people.member_a, reverse("board:reply", args=[scene["thread"].pk]), ["body"]),
        (people.member_a, reverse("board:post_report", args=[scene["post"].pk]), ["reason"]),
        (people.moderator_a, reverse("board:post_edit", args=[scene["post"].pk]), ["title", "body"]),
        (people.member_a, reverse("bulletins:feedback", args=[scene["bulletin"].pk]), ["body"]),
        (people.officer, reverse("bulletins:create"), ["title", "body", "location", "kind", "severity", "starts_at"]),
        (people.officer, reverse("bulletins:incident_create"), ["title"]),
    ]


def _fresh_token(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return once.issue(request)


@pytest.mark.parametrize("index", range(10))
def test_forms_never_answer_500(client, people, scene, index):
    user, url, fields = _forms(scene, people)[index]
    client.force_login(user)

    @FUZZ
    @given(st.fixed_dictionaries({name: TEXT for name in fields}))
    def post(data):
        # Forms that act once per render get a fresh one-time token, so valid input reaches the service.
        response = client.post(url, {**data, once.FIELD: _fresh_token(user)})
        assert response.status_code in {200, 302, 429}, (url, response.status_code)

    post()


SEARCH_FIELDS = ["q", "kind", "where", "author", "since", "until", "page"]


def test_the_search_form_never_answers_500(client, people, scene):
    """The search page (GET): any text in any of its fields is a page with a message, never a 500."""
    client.force_login(people.member_a)
    url = reverse("search:results")

    @FUZZ
    @given(st.fixed_dictionaries({name: TEXT for name in SEARCH_FIELDS}))
    def search(data):
        response = client.get(url, data)
        assert response.status_code == 200, (data, response.status_code)

    search()
