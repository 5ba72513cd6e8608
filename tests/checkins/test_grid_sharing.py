"""The officers' grid is rendered once per change and shared by every officer watching it: each answer bumps its
version after the commit, the announcement carries it, and a fetch naming it is served a render at least that new,
never an older one; a page load sees every committed answer. Without the cache each request renders its own."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from messaging.bulletins import transport
from messaging.bulletins.audience import Audience
from messaging.bulletins.stream import announcement, merge_coalesced
from messaging.checkins import live_grid, selectors, services
from tests.checkins.test_grid import answer, open_check_in
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced(monkeypatch):
    sent = []
    monkeypatch.setattr(transport, "announce", lambda audience, payload, follow=None: sent.append(payload))
    return sent


@pytest.fixture
def renders(monkeypatch):
    """How many times the grid was built from the database."""
    counted = []
    build = selectors.grid_for

    def counting(check_in, **kwargs):
        counted.append(check_in.pk)
        return build(check_in, **kwargs)

    monkeypatch.setattr(selectors, "grid_for", counting)
    return counted


@pytest.fixture
def scene(officer, sector_a):
    members = [member_of(sector_a, organisation=OrganisationFactory(name=f"Shop {n}")) for n in range(3)]
    return {"check_in": open_check_in(officer, [sector_a]), "members": members}


def fetch(client, check_in, version=None) -> str:
    params = {"fragment": "grid", **({"v": version} if version is not None else {})}
    response = client.get(reverse("checkins:grid", args=[check_in.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def answered(html: str) -> str:
    return html.split('id="checkin-share">')[1].split(" organisation")[0]


def test_within_a_second_only_the_first_answer_announces_and_the_counter_counts_every_answer(
        scene, announced, django_capture_on_commit_callbacks):
    check_in = scene["check_in"]
    part = live_grid.part_name(check_in.pk)
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][0], "Not affected")
    first = announced[-1]["versions"][part]
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][1], "Not affected")
    assert len(announced) == 1  # the processes following the counter tell the officers of this one
    counted = live_grid.current_version(check_in.pk)
    assert counted > first
    cache.delete(live_grid._announced_key(check_in.pk))  # a second later: the gate has expired
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][2], "Not affected")
    assert len(announced) == 2 and announced[-1]["versions"][part] > counted
    assert all(payload["refresh"] == [part] for payload in announced)


def test_officers_told_the_same_version_share_one_render(client, officer, scene, announced, renders,
                                                         django_capture_on_commit_callbacks):
    check_in = scene["check_in"]
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][0], "Not affected")
    version = announced[-1]["versions"][live_grid.part_name(check_in.pk)]
    client.force_login(officer)
    pages = [fetch(client, check_in, version) for _ in range(3)]
    assert renders == [check_in.pk]
    assert pages[0] == pages[1] == pages[2] and answered(pages[0]) == "1 of 3"


def test_a_fetch_for_a_newer_version_never_gets_the_older_render(client, officer, scene, announced, renders,
                                                                 django_capture_on_commit_callbacks):
    check_in = scene["check_in"]
    part = live_grid.part_name(check_in.pk)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][0], "Not affected")
    assert answered(fetch(client, check_in, announced[-1]["versions"][part])) == "1 of 3"
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][1], "Closed or evacuated")
    # Within the second, this answer announced nothing: the version the processes read from the counter.
    assert answered(fetch(client, check_in, live_grid.current_version(check_in.pk))) == "2 of 3"
    assert len(renders) == 2


def test_a_page_load_shows_every_committed_answer(client, officer, scene, django_capture_on_commit_callbacks):
    check_in = scene["check_in"]
    client.force_login(officer)
    assert "0 of 3" in client.get(reverse("checkins:grid", args=[check_in.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][0], "Not affected")
    assert "1 of 3" in client.get(reverse("checkins:grid", args=[check_in.pk])).content.decode()
    assert answered(fetch(client, check_in)) == "1 of 3"


def test_closing_announces_a_new_version_of_the_grid(officer, scene, announced, django_capture_on_commit_callbacks):
    check_in = scene["check_in"]
    with django_capture_on_commit_callbacks(execute=True):
        answer(check_in, scene["members"][0], "Not affected")
    with django_capture_on_commit_callbacks(execute=True):
        services.close_check_in(check_in, by=officer)
    part = live_grid.part_name(check_in.pk)
    assert announced[-1]["versions"][part] > announced[0]["versions"][part]


def test_a_lost_counter_starts_above_every_version_it_gave(scene):
    check_in = scene["check_in"]
    given = live_grid.bump(check_in.pk)
    cache.delete(f"checkin-grid:{check_in.pk}:version")  # evicted, or Redis restarted
    assert live_grid.current_version(check_in.pk) > given


def test_a_renderer_that_never_finishes_holds_the_others_back_only_briefly(client, officer, scene, monkeypatch,
                                                                           renders):
    check_in = scene["check_in"]
    monkeypatch.setattr(live_grid, "WAIT_SECONDS", 0.1)
    cache.add(f"checkin-grid:{check_in.pk}:rendering", True, 60)  # a process died while rendering
    client.force_login(officer)
    assert answered(fetch(client, check_in)) == "0 of 3"
    assert renders == [check_in.pk]


def test_without_the_cache_every_fetch_renders_its_own_grid(client, officer, scene, monkeypatch, renders,
                                                            django_capture_on_commit_callbacks):
    check_in = scene["check_in"]

    class Unavailable:
        def __getattr__(self, name):
            def unavailable(*args, **kwargs):
                raise ConnectionError("Redis is down")
            return unavailable

    monkeypatch.setattr(live_grid, "cache", Unavailable())
    with django_capture_on_commit_callbacks(execute=True):
        result = answer(check_in, scene["members"][0], "Not affected")  # the answer does not fail
    assert result.pk
    client.force_login(officer)
    assert answered(fetch(client, check_in, 10**12)) == "1 of 3"
    assert answered(fetch(client, check_in)) == "1 of 3"
    assert len(renders) == 2


def test_coalesced_announcements_ask_for_the_highest_version():
    def news(version):
        return announcement(Audience.chosen(everyone=False), live_grid.refresh_payload(7, version=version))

    merged = merge_coalesced(merge_coalesced(None, news(12)), news(11))  # from two processes, out of order
    assert merged["payload"]["versions"] == {live_grid.part_name(7): 12}
    assert merged["payload"]["refresh"] == [live_grid.part_name(7)]


def test_a_render_kept_just_before_the_lock_was_taken_is_served(client, officer, scene, monkeypatch, renders):
    """Another process finished rendering between this request's look at the kept render and its taking the lock:
    that render is new enough, and the grid is not built again."""
    check_in = scene["check_in"]
    wanted = live_grid.current_version(check_in.pk)
    take_lock = cache.add

    def lock_after_another_render(key, value, timeout=None):
        if key.endswith(":rendering"):
            cache.set(f"checkin-grid:{check_in.pk}:render", (wanted, "<p>rendered by another process</p>"), 10)
        return take_lock(key, value, timeout)

    monkeypatch.setattr(live_grid.cache, "add", lock_after_another_render)
    client.force_login(officer)
    assert fetch(client, check_in, wanted) == "<p>rendered by another process</p>"
    assert renders == []
