"""The e-mail's one-click answer: a signed link per answer and recipient. GET only asks for confirmation; the POST
records it; an expired, tampered, closed or foreign link gets a clear page with a 4xx status, never a 500; a link
followed again says the answer is recorded, and still works after someone changed the answer."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.checkins import links, services
from messaging.checkins.models import Answer, AnswerChange
from tests.checkins.asking import answer, ask_incident, choice
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(sector_a, westminster):
    return member_of(sector_a, organisation=OrganisationFactory(name="Only Westminster", boroughs=[westminster]),
                     display_name="Lin Link")


@pytest.fixture
def check_in(officer, sector_a, member):
    return ask_incident(officer, [sector_a])


def link(check_in, person, label, **kwargs) -> str:
    return links.answer_url(check_in, person.pk, choice(check_in, label).pk, **kwargs).split("/checkins", 1)[1]


def url_of(path) -> str:
    return "/checkins" + path


def confirm(client, path):
    page = client.get(url_of(path))
    token = page.content.decode().split('name="answer_once" value="')[1].split('"')[0]
    return client.post(url_of(path), {"answer_once": token})


def test_get_asks_for_confirmation_and_changes_nothing(client, check_in, member):
    page = client.get(url_of(link(check_in, member, "Closed or evacuated")))
    assert page.status_code == 200
    assert "Answer <strong>“Closed or evacuated”</strong> for <strong>Only Westminster</strong>?" in (
        page.content.decode())
    assert Answer.objects.count() == 0


def test_post_records_it_without_signing_in(client, check_in, member, westminster):
    response = confirm(client, link(check_in, member, "Closed or evacuated"))
    assert response.status_code == 302
    current = Answer.objects.get()
    assert (current.choice.label, current.answered_by, current.borough) == ("Closed or evacuated", member,
                                                                          westminster)  # its only premises
    followed = client.get(response["Location"])
    assert "is recorded as Only Westminster&#x27;s answer" in followed.content.decode()


def test_followed_again_it_says_already_recorded_and_writes_nothing(client, check_in, member):
    path = link(check_in, member, "Not affected")
    confirm(client, path)
    again = client.post(url_of(path), {"answer_once": "whatever"})
    assert again.status_code == 200 and "is recorded as" in again.content.decode()
    assert AnswerChange.objects.count() == 1


def test_a_second_post_of_the_same_page_acts_once(client, check_in, member):
    path = link(check_in, member, "Not affected")
    token = client.get(url_of(path)).content.decode().split('name="answer_once" value="')[1].split('"')[0]
    answer(check_in, member, "Closed or evacuated")  # someone changed it meanwhile
    client.post(url_of(path), {"answer_once": token})
    client.post(url_of(path), {"answer_once": token})
    assert [c.choice.label for c in AnswerChange.objects.order_by("pk")] == ["Closed or evacuated", "Not affected"]


def test_after_a_change_the_old_link_still_answers(client, check_in, member):
    path = link(check_in, member, "Not affected")
    confirm(client, path)
    answer(check_in, member, "Need police contact", note="Changed my mind")
    response = confirm(client, path)
    assert response.status_code == 302
    current = Answer.objects.get()
    assert current.choice.label == "Not affected" and current.note == "Changed my mind"  # the note stays
    assert AnswerChange.objects.count() == 3


def test_an_expired_link_is_410_and_changes_nothing(client, check_in, member):
    path = link(check_in, member, "Not affected", expires_at=timezone.now() - timedelta(seconds=1))
    for method in ("get", "post"):
        response = getattr(client, method)(url_of(path))
        assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert Answer.objects.count() == 0


@pytest.mark.parametrize("damage", [
    lambda token: token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"),
    lambda token: token[: len(token) // 2],
    lambda token: "x" * 400,
    lambda token: "not-a-token",
])
def test_a_tampered_link_is_400_never_500(client, check_in, member, damage):
    token = links.make_token(check_in.pk, member.pk, choice(check_in, "Not affected").pk,
                             links.expiry_of(check_in))
    response = client.get(reverse("checkins:answer_link", args=[damage(token)]))
    assert response.status_code == 400 and "This link does not work" in response.content.decode()


def test_a_link_signed_for_another_answer_list_does_not_answer(client, check_in, member, officer, sector_a):
    other = ask_incident(officer, [sector_a])
    token = links.make_token(check_in.pk, member.pk, other.choices.first().pk, links.expiry_of(check_in))
    assert client.get(reverse("checkins:answer_link", args=[token])).status_code == 410


def test_a_closed_check_in_is_410(client, check_in, member, officer):
    path = link(check_in, member, "Not affected")
    services.close_check_in(check_in, by=officer)
    response = client.post(url_of(path), {"answer_once": "x"})
    assert response.status_code == 410 and "has closed" in response.content.decode()
    assert Answer.objects.count() == 0


def test_someone_else_signed_in_is_refused(client, check_in, member, sector_a):
    client.force_login(member_of(sector_a))
    response = client.post(url_of(link(check_in, member, "Not affected")))
    assert response.status_code == 403 and "for someone else" in response.content.decode()
    assert Answer.objects.count() == 0


def test_a_member_no_longer_asked_is_refused(client, check_in, member):
    member.memberships.update(status="suspended")
    response = client.get(url_of(link(check_in, member, "Not affected")))
    assert response.status_code == 403 and Answer.objects.count() == 0


def test_links_last_a_week_or_until_the_deadline_and_two_weeks_at_most(officer, sector_a):
    now = timezone.now()
    soon = ask_incident(officer, [sector_a], deadline=now + timedelta(hours=2))
    late = ask_incident(officer, [sector_a], deadline=now + timedelta(days=10))
    far = ask_incident(officer, [sector_a], deadline=now + timedelta(days=30))
    assert links.expiry_of(soon) == soon.opened_at + timedelta(days=7)
    assert links.expiry_of(late) == late.deadline
    assert links.expiry_of(far) == far.opened_at + timedelta(days=14)
