"""The calendar page: upcoming events addressed to the reader as a list or a month, past events archived,
filters by sector and borough; every role sees what the audience rule lets them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from tests.factories import BulletinFactory
from tests.feeds.conftest import london, soon

pytestmark = pytest.mark.django_db
URL = reverse("calendar:index")


def shown(response) -> list[int]:
    """The events on the page, in order (each once: the month grid and its phone list show the same)."""
    found = [int(pk) for pk in re.findall(r'<li class="list-group-item" data-event="(\d+)"', response.content.decode())]
    return found


def test_members_see_the_upcoming_events_addressed_to_them_soonest_first(client, people, publish, sector_a,
                                                                        sector_b):
    later = publish(title="Later", sectors=[sector_a], starts_at=soon(20))
    sooner = publish(title="Sooner", sectors=[sector_a], starts_at=soon(2))
    for_everyone = publish(title="For everyone", everyone=True, starts_at=soon(5))
    for_b = publish(title="For B", sectors=[sector_b], starts_at=soon(3))

    client.force_login(people.member_a)
    assert shown(client.get(URL)) == [sooner.pk, for_everyone.pk, later.pk]
    client.force_login(people.member_b)
    assert shown(client.get(URL)) == [for_b.pk, for_everyone.pk]
    client.force_login(people.officer)  # officers: every notice
    assert shown(client.get(URL)) == [sooner.pk, for_b.pk, for_everyone.pk, later.pk]


def test_only_current_pre_planned_events_are_listed(client, people, publish, supersede, withdraw, sector_a,
                                                    officer):
    kept = publish(title="Kept", sectors=[sector_a])
    updated = supersede(publish(title="Old version", sectors=[sector_a]), title="New version")
    withdraw(publish(title="Withdrawn", sectors=[sector_a]))
    publish(title="Advice", kind=Bulletin.Kind.ADVICE, sectors=[sector_a])
    publish(title="No time", starts_at=None, sectors=[sector_a])
    BulletinFactory(title="Draft", author=officer, kind=Bulletin.Kind.PRE_PLANNING, starts_at=soon(1),
                    sectors=[sector_a])
    for user in (people.member_a, people.officer):
        client.force_login(user)
        assert set(shown(client.get(URL))) == {kept.pk, updated.pk}


def test_past_events_are_archived_most_recent_first(client, people, publish, sector_a):
    upcoming = publish(sectors=[sector_a], starts_at=soon(1))
    today_no_end = publish(title="Earlier today", sectors=[sector_a], starts_at=soon(0, -0.001), ends_at=None)
    running = publish(title="Running", sectors=[sector_a], starts_at=soon(-1), ends_at=soon(1))
    last_week = publish(sectors=[sector_a], starts_at=soon(-8), ends_at=soon(-7))
    last_month = publish(sectors=[sector_a], starts_at=soon(-40), ends_at=None)
    services.expire_ended()
    client.force_login(people.member_a)

    upcoming_ids = shown(client.get(URL))
    assert set(upcoming_ids) >= {upcoming.pk, running.pk}
    assert last_week.pk not in upcoming_ids and last_month.pk not in upcoming_ids
    past = client.get(URL + "?past=1")
    assert "Past events" in past.content.decode()
    assert shown(past)[-2:] == [last_week.pk, last_month.pk]
    # An event of today with no end stays among the upcoming until the day is over (London).
    assert (today_no_end.pk in upcoming_ids) != (today_no_end.pk in shown(past))


def test_the_list_is_paginated_with_constant_queries(client, people, publish, sector_a,
                                                     django_assert_max_num_queries):
    client.force_login(people.member_a)
    for n in range(3):
        publish(sectors=[sector_a], starts_at=soon(n + 1))
    client.get(URL)  # the session's and the navigation's caches are warm from here on
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for n in range(22):
        publish(sectors=[sector_a], starts_at=soon(n + 5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = client.get(URL)
    assert len(shown(first)) == 20 and "Page 1 of 2" in first.content.decode()
    assert len(shown(client.get(URL + "?page=2"))) == 5


def test_the_sector_filter_takes_events_for_every_sector_too(client, people, publish, sector_a, sector_b):
    retail = publish(sectors=[sector_a])
    banking = publish(sectors=[sector_b])
    everyone = publish(everyone=True)
    client.force_login(people.officer)
    assert set(shown(client.get(URL + f"?sector={sector_a.slug}"))) == {retail.pk, everyone.pk}
    assert set(shown(client.get(URL + f"?sector={sector_b.slug}"))) == {banking.pk, everyone.pk}


def test_the_borough_filter_takes_events_for_all_of_london_too(client, people, publish, sector_a, westminster,
                                                               camden):
    in_camden = publish(sectors=[sector_a], boroughs=[camden])
    in_westminster = publish(sectors=[sector_a], boroughs=[westminster])
    london_wide = publish(sectors=[sector_a])
    client.force_login(people.officer)
    assert set(shown(client.get(URL + "?borough=camden"))) == {in_camden.pk, london_wide.pk}
    both = client.get(URL + f"?borough=westminster&sector={sector_a.slug}")
    assert set(shown(both)) == {in_westminster.pk, london_wide.pk}


def test_an_unknown_filter_is_said_and_ignored(client, people, publish, sector_a):
    event = publish(sectors=[sector_a])
    client.force_login(people.member_a)
    response = client.get(URL + "?sector=no-such-sector&borough=atlantis")
    page = response.content.decode()
    assert response.status_code == 200 and shown(response) == [event.pk]
    assert "There is no such sector" in page and "There is no such borough" in page


def test_the_filters_and_the_past_survive_pagination(client, people, publish, sector_a):
    for n in range(21):
        publish(sectors=[sector_a], starts_at=soon(-n - 2), ends_at=soon(-n - 1.5))
    client.force_login(people.member_a)
    page = client.get(URL + f"?past=1&sector={sector_a.slug}").content.decode()
    assert f'href="?sector={sector_a.slug}&amp;past=1&amp;page=2"' in page


def test_the_month_view_is_a_grid_with_every_day_of_a_long_event(client, people, publish, sector_a):
    three_days = publish(title="Summit", sectors=[sector_a], starts_at=london(2027, 5, 30, 9, 0),
                         ends_at=london(2027, 6, 1, 17, 0))
    all_day = publish(title="Funeral", sectors=[sector_a], starts_at=london(2027, 5, 8), ends_at=london(2027, 5, 9))
    publish(title="In June", sectors=[sector_a], starts_at=london(2027, 6, 20, 9, 0))
    client.force_login(people.member_a)

    response = client.get(URL + "?view=month&month=2027-05")
    page = response.content.decode()
    assert "Events in May 2027" in page
    cells = dict(re.findall(r'data-day="([\d-]+)">(.*?)</td>', page, re.S))
    assert len(cells) == 42  # 26 April to 6 June: six weeks, Monday to Sunday
    funeral = f'data-event="{all_day.pk}"'
    assert funeral in cells["2027-05-08"] and funeral not in cells["2027-05-09"]
    for day in ("2027-05-30", "2027-05-31", "2027-06-01"):
        assert f'data-event="{three_days.pk}"' in cells[day]
    assert "In June" not in page
    assert "d-md-none" in page and "d-none d-md-table" in page  # the phone's list beside the grid
    assert 'href="?view=month&amp;month=2027-04"' in page and 'href="?view=month&amp;month=2027-06"' in page
    assert shown(response) == [all_day.pk, three_days.pk, three_days.pk]  # the phone list: under each May day


def test_a_bad_month_shows_this_month_and_says_why(client, people):
    client.force_login(people.member_a)
    for month in ("2027-13", "nonsense", "99999-01", "2027-05-01"):
        page = client.get(URL + f"?view=month&month={month}").content.decode()
        assert "Give the month as year and month" in page


def test_all_day_events_and_events_with_no_end_read_well(client, people, publish, sector_a):
    publish(title="Funeral", sectors=[sector_a], starts_at=london(2027, 5, 8), ends_at=london(2027, 5, 9))
    publish(title="Games", sectors=[sector_a], starts_at=london(2027, 7, 1), ends_at=london(2027, 7, 4))
    publish(title="Vigil", sectors=[sector_a], starts_at=london(2027, 2, 1, 18, 30), ends_at=None)
    publish(title="March", sectors=[sector_a], starts_at=london(2027, 3, 6, 12), ends_at=london(2027, 3, 6, 16))
    client.force_login(people.member_a)
    text = re.sub(r"<[^>]+>", "", client.get(URL).content.decode())
    assert "Sat 8 May 2027, all day" in text
    assert "Thu 1 Jul 2027 to Sat 3 Jul 2027, all day" in text
    assert "Mon 1 Feb 2027, 18:30 (no end time given)" in text
    assert "Sat 6 Mar 2027, 12:00 to 16:00" in text


def test_the_month_view_has_constant_queries(client, people, publish, sector_a, sector_b,
                                             django_assert_max_num_queries):
    client.force_login(people.member_a)
    publish(sectors=[sector_a], starts_at=london(2027, 5, 3, 9))
    url = URL + f"?view=month&month=2027-05&sector={sector_a.slug}&borough=camden"
    client.get(url)  # the session's and the navigation's caches are warm from here on
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for day in range(1, 29):
        publish(sectors=[sector_a, sector_b], starts_at=london(2027, 5, day, 9), ends_at=london(2027, 5, day, 9)
                + timedelta(days=2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
