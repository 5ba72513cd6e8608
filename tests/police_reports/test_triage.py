"""The officers' triage of reports to the police: the inbox (tabs, counts, mine or all, filters, its live part and
its query bound), status changes and assignment (audited, the people concerned told by e-mail and live), a
bulletin drafted from a report (never carrying who sent it), the navigation's count and the dashboard's list."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from messaging.bulletins import transport
from messaging.bulletins.models import Bulletin
from messaging.police_reports import triage
from messaging.police_reports.models import PoliceReport
from sectors.models import Sector
from tests.factories import OrganisationFactory, member_of, officer_user
from tests.live.helpers import connect, hello
from tests.police_reports.triage_helpers import make_report, make_spoc

pytestmark = pytest.mark.django_db

Status = PoliceReport.Status
TRIAGE = reverse("police_reports:triage")


@pytest.fixture
def spoc(db, westminster):
    """Westminster's single point of contact."""
    officer = officer_user(display_name="PC Westminster")
    make_spoc(officer, westminster)
    return officer


@pytest.fixture
def author(db, sector_a):
    organisation = OrganisationFactory(name="Ada's Hardware Ltd")
    return member_of(sector_a, display_name="Ada Author", email="ada@hardware.example.org", organisation=organisation)


@pytest.fixture
def sent(monkeypatch):
    """What was sent to single users over the socket: (user id, payload)."""
    messages = []
    monkeypatch.setattr(transport, "send_to_user", lambda user_id, payload: messages.append((user_id, payload)))
    return messages


def titles(response) -> set[str]:
    return {report.title for report in response.context["reports"]}


def counts(response) -> dict[str, int]:
    return {tab["status"]: tab["count"] for tab in response.context["tabs"]}


def audit(action: str, report: PoliceReport) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, target_id=str(report.pk)))


# The inbox ------------------------------------------------------------------------------------------------------


def test_the_inbox_opens_on_new_reports_routed_or_assigned_to_me(client, spoc, officer, author, westminster, camden):
    make_report(author, boroughs=[westminster], routed_to=[spoc], title="Routed to me")
    make_report(author, boroughs=[camden], routed_to=[officer], title="Someone else's")
    make_report(author, boroughs=[camden], routed_to=[officer], assigned_to=spoc, title="Assigned to me")
    make_report(author, boroughs=[westminster], routed_to=[spoc], status=Status.CLOSED, title="Closed")
    client.force_login(spoc)
    response = client.get(TRIAGE)
    assert response.status_code == 200
    assert titles(response) == {"Routed to me", "Assigned to me"}
    assert counts(response) == {"new": 2, "acknowledged": 0, "in_progress": 0, "closed": 1}


def test_all_reports_shows_every_officers_reports(client, spoc, officer, author, westminster, camden):
    make_report(author, boroughs=[westminster], routed_to=[spoc], title="Routed to me")
    make_report(author, boroughs=[camden], routed_to=[officer], title="Someone else's")
    make_report(author, boroughs=[camden], routed_to=[officer], status=Status.IN_PROGRESS, title="Being handled")
    client.force_login(spoc)
    response = client.get(TRIAGE, {"scope": "all"})
    assert titles(response) == {"Routed to me", "Someone else's"}
    assert counts(response) == {"new": 2, "acknowledged": 0, "in_progress": 1, "closed": 0}
    assert titles(client.get(TRIAGE, {"scope": "all", "status": "in_progress"})) == {"Being handled"}


def test_a_report_routed_to_me_and_assigned_to_me_is_listed_and_counted_once(client, spoc, author, westminster):
    make_report(author, boroughs=[westminster], routed_to=[spoc, officer_user()], assigned_to=spoc, title="Both")
    client.force_login(spoc)
    response = client.get(TRIAGE)
    assert [report.title for report in response.context["reports"]] == ["Both"]
    assert counts(response)["new"] == 1


def test_the_inbox_filters_by_borough_and_kind_and_the_counts_follow(client, officer, author, westminster, camden):
    make_report(author, boroughs=[westminster], routed_to=[officer], title="Westminster suspicious")
    make_report(author, boroughs=[westminster, camden], routed_to=[officer], title="Both trend",
                kind=PoliceReport.Kind.CRIME_TREND)
    make_report(author, boroughs=[camden], routed_to=[officer], title="Camden question",
                kind=PoliceReport.Kind.QUESTION, status=Status.ACKNOWLEDGED)
    client.force_login(officer)
    response = client.get(TRIAGE, {"scope": "all", "borough": camden.pk})
    assert titles(response) == {"Both trend"}
    assert counts(response) == {"new": 1, "acknowledged": 1, "in_progress": 0, "closed": 0}
    response = client.get(TRIAGE, {"scope": "all", "kind": "crime_trend"})
    assert titles(response) == {"Both trend"}
    assert counts(response) == {"new": 1, "acknowledged": 0, "in_progress": 0, "closed": 0}
    response = client.get(TRIAGE, {"scope": "all", "kind": "crime_trend", "borough": westminster.pk})
    assert titles(response) == {"Both trend"}
    # The tabs keep the filters.
    assert f'href="?status=acknowledged&amp;scope=all&amp;borough={westminster.pk}&amp;kind=crime_trend"' in (
        response.content.decode())


def test_tampered_filters_fall_back_to_the_defaults(client, officer, author, westminster):
    make_report(author, boroughs=[westminster], routed_to=[officer], title="Mine")
    client.force_login(officer)
    response = client.get(TRIAGE, {"status": "deleted", "scope": "everyone's", "borough": "99999", "kind": "<b>"})
    assert response.status_code == 200
    choices = response.context["choices"]
    assert (choices.status, choices.scope, choices.borough_id, choices.kind) == ("new", "mine", None, "")
    assert titles(response) == {"Mine"}


def test_the_list_is_a_live_part_that_refetches_with_the_current_filters(client, officer, author, westminster):
    make_report(author, boroughs=[westminster], routed_to=[officer], title="Arrived <script>alert(1)</script>")
    client.force_login(officer)
    page = client.get(TRIAGE, {"scope": "all", "borough": westminster.pk, "kind": "suspicious_activity"})
    html = page.content.decode()
    part_url = re.search(r'id="triage-list" data-live-part="report-triage" data-part-url="([^"]+)"', html).group(
        1).replace("&amp;", "&")
    assert part_url == (f"{TRIAGE}?fragment=list&status=new&scope=all&borough={westminster.pk}"
                        "&kind=suspicious_activity")
    fragment = client.get(part_url)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and "<nav class=\"navbar" not in body
    assert "Arrived &lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body
    assert 'id="triage-tabs"' in body


def test_the_inbox_shows_the_reporter_to_officers(client, officer, author, westminster):
    make_report(author, boroughs=[westminster], routed_to=[officer])
    client.force_login(officer)
    html = client.get(TRIAGE).content.decode()
    assert "Ada Author" in html and "Ada&#x27;s Hardware Ltd" in html and "Westminster" in html


def test_the_inbox_paginates(client, officer, author, westminster):
    for n in range(30):
        make_report(author, boroughs=[westminster], routed_to=[officer], title=f"Report number {n:02}")
    client.force_login(officer)
    first = client.get(TRIAGE)
    assert len(first.context["reports"]) == 25
    second = client.get(TRIAGE, {"page": 2})
    assert len(second.context["reports"]) == 5
    assert 'data-part-url="/reports/triage/?fragment=list&amp;status=new&amp;scope=mine&amp;page=2"' in (
        second.content.decode())


def _queries(client, url: str, params: dict) -> int:
    client.get(url, params)  # the session, the role facts and the navigation's caches warmed
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"scope": "all", "borough": "westminster", "kind": "crime_trend"},
                                    {"fragment": "list", "page": "2"}])
def test_the_inbox_costs_the_same_queries_for_two_reports_or_sixty(client, spoc, author, westminster, camden, params,
                                                                   django_assert_max_num_queries):
    if params.get("borough"):
        params = {**params, "borough": str(westminster.pk)}
    other = officer_user()
    for _ in range(2):
        make_report(author, boroughs=[westminster, camden], routed_to=[spoc, other], assigned_to=other,
                    kind=PoliceReport.Kind.CRIME_TREND)
    client.force_login(spoc)
    small = _queries(client, TRIAGE, params)
    for n in range(58):
        reporter = author if n % 2 else member_of(Sector.objects.get(slug="retail"))
        make_report(reporter, boroughs=[westminster, camden], routed_to=[spoc, other],
                    assigned_to=other if n % 3 else None, kind=PoliceReport.Kind.CRIME_TREND)
    big = _queries(client, TRIAGE, params)
    assert big == small
    with django_assert_max_num_queries(10):
        client.get(TRIAGE, params)


# Status ---------------------------------------------------------------------------------------------------------


def test_acknowledging_tells_the_author_by_email_and_live_and_is_audited(spoc, author, westminster, sent, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    report = make_report(author, boroughs=[westminster], routed_to=[spoc], title="Van watching the yard")
    with django_capture_on_commit_callbacks(execute=True):
        triage.set_status(report, Status.ACKNOWLEDGED, by=spoc)
    report.refresh_from_db()
    assert report.status == Status.ACKNOWLEDGED
    assert sent == [(author.pk, {"type": "news", "toast": True, "heading": "Your report", "subheading": "Acknowledged",
                                 "title": "Van watching the yard", "url": report.get_absolute_url(),
                                 "severity": "info", "refresh": ["my-reports"]})]
    [mail] = mailoutbox
    assert mail.to == [author.email]
    assert mail.subject == "[The Hub] Your report to the police: acknowledged"
    assert "Van watching the yard" in mail.body and report.get_absolute_url() in mail.body
    [entry] = audit("police_report.status", report)
    assert entry.actor == spoc and entry.data == {"previous": "new", "status": "acknowledged"}


@pytest.mark.parametrize(("start", "to", "subheading"), [
    (Status.NEW, Status.IN_PROGRESS, "In progress"),
    (Status.NEW, Status.CLOSED, "Closed"),
    (Status.ACKNOWLEDGED, Status.IN_PROGRESS, "In progress"),
    (Status.IN_PROGRESS, Status.CLOSED, "Closed"),
    (Status.CLOSED, Status.IN_PROGRESS, "Reopened"),
])
def test_every_forward_move_and_a_reopening_is_made_and_told(officer, author, start, to, subheading, sent, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    report = make_report(author, status=start)
    with django_capture_on_commit_callbacks(execute=True):
        triage.set_status(report, to, by=officer)
    report.refresh_from_db()
    assert report.status == to
    assert [payload["subheading"] for _, payload in sent] == [subheading]
    assert len(mailoutbox) == 1
    assert len(audit("police_report.status", report)) == 1


@pytest.mark.parametrize(("start", "to", "message"), [
    (Status.NEW, Status.NEW, "This report is already new."),
    (Status.ACKNOWLEDGED, Status.ACKNOWLEDGED, "This report is already acknowledged."),
    (Status.IN_PROGRESS, Status.ACKNOWLEDGED, "A report in progress cannot go back to acknowledged."),
    (Status.ACKNOWLEDGED, Status.NEW, "A report acknowledged cannot go back to new."),
    (Status.CLOSED, Status.NEW, "A report closed cannot go back to new."),
    (Status.NEW, "deleted", "Choose a status: acknowledged, in progress or closed."),
])
def test_a_no_op_or_backward_move_is_refused_with_a_message(officer, author, start, to, message, sent, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    report = make_report(author, status=start)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(triage.TriageError, match=re.escape(message)):
        triage.set_status(report, to, by=officer)
    report.refresh_from_db()
    assert report.status == start
    assert sent == [] and mailoutbox == [] and audit("police_report.status", report) == []


def test_the_status_buttons_change_the_status_and_come_back_to_the_report(client, officer, author,
                                                                          django_capture_on_commit_callbacks):
    report = make_report(author)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("police_reports:status", args=[report.pk]), {"status": "acknowledged"},
                               follow=False)
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    report.refresh_from_db()
    assert report.status == Status.ACKNOWLEDGED
    # A second click of the same button: nothing happens, and the officer is told why.
    response = client.post(reverse("police_reports:status", args=[report.pk]), {"status": "acknowledged"})
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages][-1] == "This report is already acknowledged."
    assert len(audit("police_report.status", report)) == 1


def test_the_next_statuses_offered(author):
    assert triage.next_statuses(make_report(author)) == [
        ("acknowledged", "Acknowledge"), ("in_progress", "Mark in progress"), ("closed", "Close")]
    assert triage.next_statuses(make_report(author, status=Status.IN_PROGRESS)) == [("closed", "Close")]
    assert triage.next_statuses(make_report(author, status=Status.CLOSED)) == [("in_progress", "Reopen")]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_author_sees_the_acknowledgement_arrive_on_their_open_page():
    def setup():
        retail = Sector.objects.get(slug="retail")
        author = member_of(retail, display_name="Ada Author")
        officer = officer_user()
        return author, officer, make_report(author, title="Van watching the yard", routed_to=[officer])

    author, officer, report = await sync_to_async(setup)()
    socket = await connect(author)
    await hello(socket)
    await sync_to_async(triage.set_status)(report, Status.ACKNOWLEDGED, by=officer)
    message = await socket.receive_json_from(timeout=3)
    assert message["type"] == "news" and message["toast"] is True
    assert (message["heading"], message["subheading"], message["title"], message["url"]) == (
        "Your report", "Acknowledged", "Van watching the yard", f"/reports/{report.pk}/")
    assert await socket.receive_nothing(timeout=0.3)  # the officers' refresh is not for the author
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_open_triage_lists_are_told_to_refresh_when_a_report_changes():
    def setup():
        officer = officer_user()
        author = member_of(Sector.objects.get(slug="retail"))
        return officer, officer_user(), make_report(author, routed_to=[officer])

    officer, other_officer, report = await sync_to_async(setup)()
    socket = await connect(other_officer)
    await hello(socket)
    await sync_to_async(triage.set_status)(report, Status.IN_PROGRESS, by=officer)
    message = await socket.receive_json_from(timeout=3)
    assert message["toast"] is False and "report-triage" in message["refresh"]
    await socket.disconnect()


# Assignment -----------------------------------------------------------------------------------------------------


def test_assigning_to_an_officer_tells_them_and_is_audited(spoc, officer, author, sent, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    report = make_report(author, routed_to=[spoc], title="Skimmer at tills")
    with django_capture_on_commit_callbacks(execute=True):
        triage.assign(report, officer, by=spoc)
    report.refresh_from_db()
    assert report.assigned_to == officer
    [(user_id, payload)] = sent
    assert user_id == officer.pk
    assert payload["toast"] is True and payload["subheading"] == "Assigned to you"
    assert payload["title"] == "Skimmer at tills" and payload["url"] == report.get_absolute_url()
    [mail] = mailoutbox
    assert mail.to == [officer.email] and mail.subject == "[The Hub] Report assigned to you: Skimmer at tills"
    assert "PC Westminster has assigned you" in mail.body
    [entry] = audit("police_report.assign", report)
    assert entry.actor == spoc and entry.data == {"assigned_to": officer.pk, "previous": None}


def test_assigning_to_myself_sends_me_nothing(spoc, author, sent, mailoutbox, django_capture_on_commit_callbacks):
    report = make_report(author)
    with django_capture_on_commit_callbacks(execute=True):
        triage.assign(report, spoc, by=spoc)
    assert sent == [] and mailoutbox == []
    assert len(audit("police_report.assign", report)) == 1


def test_only_officers_can_be_assigned(spoc, author, people, sent, django_capture_on_commit_callbacks):
    report = make_report(author)
    for not_an_officer in (author, people.lead_a, people.moderator_a):
        with pytest.raises(triage.TriageError, match="not a police liaison officer"):
            triage.assign(report, not_an_officer, by=spoc)
    retired = officer_user(is_active=False)
    with pytest.raises(triage.TriageError, match="not a police liaison officer"):
        triage.assign(report, retired, by=spoc)
    report.refresh_from_db()
    assert report.assigned_to is None and audit("police_report.assign", report) == []


def test_unassigning_and_no_op_assignments(spoc, officer, author):
    report = make_report(author, assigned_to=officer)
    with pytest.raises(triage.TriageError, match="already assigned to PC Liaison"):
        triage.assign(report, officer, by=spoc)
    triage.assign(report, None, by=spoc)
    report.refresh_from_db()
    assert report.assigned_to is None
    with pytest.raises(triage.TriageError, match="not assigned to anyone"):
        triage.assign(report, None, by=spoc)
    assert [entry.data for entry in audit("police_report.assign", report)] == [
        {"assigned_to": None, "previous": officer.pk}]


def test_the_assign_form(client, spoc, officer, author, people):
    report = make_report(author)
    url = reverse("police_reports:assign", args=[report.pk])
    client.force_login(spoc)
    assert client.post(url, {"to_me": "1", "officer": ""})["Location"] == report.get_absolute_url()
    report.refresh_from_db()
    assert report.assigned_to == spoc
    client.post(url, {"officer": str(officer.pk)})
    report.refresh_from_db()
    assert report.assigned_to == officer
    for bad in ("", "99999", "x' OR 1=1", str(author.pk)):
        response = client.post(url, {"officer": bad})
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.assigned_to == officer
    client.post(url, {"unassign": "1"})
    report.refresh_from_db()
    assert report.assigned_to is None


# A bulletin from a report ---------------------------------------------------------------------------------------


def _identity(author) -> list[str]:
    return [author.display_name, author.email, author.organisation.name, "Ada"]


def test_a_bulletin_drafted_from_a_report_carries_its_words_never_its_author(officer, author, westminster, camden):
    report = make_report(author, boroughs=[westminster, camden], kind=PoliceReport.Kind.CRIME_TREND,
                         title="Card skimmers fitted to tills", body="Two skimmers found this week near the *tills*.")
    bulletin = triage.draft_bulletin_from(report, by=officer)
    assert bulletin.status == Bulletin.Status.DRAFT and bulletin.author == officer
    assert (bulletin.title, bulletin.body) == ("Card skimmers fitted to tills",
                                               "Two skimmers found this week near the *tills*.")
    assert bulletin.kind == Bulletin.Kind.ADVICE and bulletin.severity == Bulletin.Severity.INFO
    assert set(bulletin.boroughs.all()) == {westminster, camden}
    assert not bulletin.sectors.exists() and not bulletin.named_recipients.exists() and not bulletin.everyone
    for field in bulletin._meta.concrete_fields:
        value = str(field.value_from_object(bulletin))
        for identity in _identity(author):
            assert identity not in value, f"{field.name} carries {identity!r}"
    assert author.pk not in {bulletin.author_id} | set(bulletin.named_recipients.values_list("pk", flat=True))
    report.refresh_from_db()
    assert report.bulletin == bulletin
    [entry] = audit("police_report.draft_bulletin", report)
    assert entry.actor == officer and entry.data == {"bulletin": bulletin.pk}


@pytest.mark.parametrize("kind", PoliceReport.Kind.values)
def test_every_kind_of_report_becomes_an_advice_draft(officer, author, kind):
    assert triage.draft_bulletin_from(make_report(author, kind=kind), by=officer).kind == Bulletin.Kind.ADVICE


def test_a_second_click_gives_the_same_draft(officer, spoc, author):
    report = make_report(author)
    first = triage.draft_bulletin_from(report, by=officer)
    again = triage.draft_bulletin_from(report, by=spoc)
    assert again.pk == first.pk
    assert Bulletin.objects.count() == 1
    assert len(audit("police_report.draft_bulletin", report)) == 1


def test_a_deleted_draft_can_be_drafted_again(officer, author):
    report = make_report(author)
    triage.draft_bulletin_from(report, by=officer).delete()
    report.refresh_from_db()
    assert report.bulletin is None
    assert triage.draft_bulletin_from(report, by=officer).pk is not None
    assert Bulletin.objects.count() == 1


def test_the_draft_button_opens_the_draft_for_editing_twice_the_same(client, officer, author):
    report = make_report(author)
    client.force_login(officer)
    url = reverse("police_reports:draft_bulletin", args=[report.pk])
    first = client.post(url)
    bulletin = Bulletin.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("bulletins:edit", args=[bulletin.pk])
    second = client.post(url)
    assert second["Location"] == first["Location"]
    assert Bulletin.objects.count() == 1
    edit = client.get(first["Location"])
    assert edit.status_code == 200
    assert report.title in edit.content.decode()


def test_a_published_bulletin_from_a_report_is_opened_on_its_page(client, officer, author,
                                                                   django_capture_on_commit_callbacks):
    from messaging.bulletins import services

    report = make_report(author)
    bulletin = triage.draft_bulletin_from(report, by=officer)
    bulletin.sectors.set([Sector.objects.get(slug="retail")])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_bulletin(bulletin, by=officer)
    client.force_login(officer)
    response = client.post(reverse("police_reports:draft_bulletin", args=[report.pk]))
    assert response["Location"] == bulletin.get_absolute_url()


# The report page's controls -------------------------------------------------------------------------------------


def _controls(user, report) -> str:
    from django.test import RequestFactory

    request = RequestFactory().get(report.get_absolute_url())
    request.user = user
    from django.template import RequestContext

    template = Template('{% include "police_reports/_triage_controls.html" %}')
    return template.render(RequestContext(request, {"report": report}))


def test_the_controls_offer_the_moves_the_assignees_and_the_draft_button(spoc, officer, author):
    report = make_report(author, routed_to=[spoc])
    html = _controls(spoc, report)
    assert 'value="acknowledged">Acknowledge</button>' in html and ">Reopen<" not in html
    assert f'<option value="{officer.pk}">PC Liaison</option>' in html
    assert f'<option value="{author.pk}"' not in html  # members are never offered
    assert 'name="to_me"' in html and 'name="unassign"' not in html
    assert "Draft a bulletin from this report" in html
    bulletin = triage.draft_bulletin_from(report, by=spoc)
    report.refresh_from_db()
    html = _controls(spoc, report)
    assert "Draft a bulletin from this report" not in html
    assert reverse("bulletins:detail", args=[bulletin.pk]) in html


def test_the_controls_show_nothing_to_anyone_but_officers(author, people):
    report = make_report(author)
    for user in (author, people.lead_a, people.member_b):
        assert "triage-controls" not in _controls(user, report)


# The navigation and the dashboard -------------------------------------------------------------------------------


def _nav_count(client) -> int:
    html = client.get(reverse("bulletins:officer_list")).content.decode()
    return int(re.search(r'id="new-reports-count"[^>]*>(\d+)<', html).group(1))


def test_a_spoc_counts_the_new_reports_routed_to_them_a_central_officer_every_new_one(
        client, spoc, officer, author, westminster, camden):
    make_report(author, boroughs=[westminster], routed_to=[spoc])
    make_report(author, boroughs=[camden], routed_to=[officer])
    make_report(author, boroughs=[westminster], routed_to=[spoc], status=Status.ACKNOWLEDGED)
    client.force_login(spoc)
    assert _nav_count(client) == 1
    client.force_login(officer)  # no borough's SPOC: every new report
    assert _nav_count(client) == 2


def test_the_count_is_cached_and_forgotten_when_reports_arrive_or_move(client, spoc, author, westminster):
    report = make_report(author, boroughs=[westminster], routed_to=[spoc])
    client.force_login(spoc)
    assert _nav_count(client) == 1
    with CaptureQueriesContext(connection) as queries:
        assert _nav_count(client) == 1
    assert not any("police_reports_policereport" in query["sql"] for query in queries.captured_queries)
    make_report(author, boroughs=[westminster], routed_to=[spoc])
    assert _nav_count(client) == 2
    triage.set_status(report, Status.ACKNOWLEDGED, by=spoc)
    assert _nav_count(client) == 1


def test_the_navigation_badge_is_a_live_part_refetched_as_a_number(client, spoc, author, westminster):
    client.force_login(spoc)
    html = client.get(reverse("bulletins:officer_list")).content.decode()
    badge = re.search(r'<span id="new-reports-count"[^>]*>', html).group(0)
    assert 'data-live-part="report-triage"' in badge and f'data-part-url="{TRIAGE}?fragment=count"' in badge
    make_report(author, boroughs=[westminster], routed_to=[spoc])
    response = client.get(TRIAGE, {"fragment": "count"})
    assert (response.status_code, response.content, response["Content-Type"]) == (200, b"1", "text/plain")


def test_members_get_a_tell_the_police_link_officers_a_reports_link(client, people):
    home = reverse("dashboard")
    client.force_login(people.member_a)
    html = client.get(home).content.decode()
    assert 'id="nav-tell-police"' in html and 'id="new-reports-count"' not in html
    client.force_login(people.officer)
    html = client.get(home).content.decode()
    assert 'id="nav-tell-police"' not in html and 'id="new-reports-count"' in html
    client.force_login(people.applicant)
    assert 'id="nav-tell-police"' not in client.get(home).content.decode()


def _dashboard(user) -> str:
    return Template("{% load police_report_triage %}{% new_reports_for user %}").render(Context({"user": user}))


def test_the_dashboard_lists_new_reports_in_the_officers_boroughs(spoc, officer, author, westminster, camden):
    deputy = officer_user(display_name="PC Deputy")
    make_spoc(deputy, camden, role="deputy")
    make_report(author, boroughs=[westminster], title="In Westminster")
    make_report(author, boroughs=[camden, westminster], title="In Camden and Westminster")
    make_report(author, boroughs=[camden], title="In Camden")
    make_report(author, boroughs=[westminster], title="Old news", status=Status.ACKNOWLEDGED)
    spoc_html, deputy_html, central_html = _dashboard(spoc), _dashboard(deputy), _dashboard(officer)
    assert "In Westminster" in spoc_html and "In Camden and Westminster" in spoc_html
    assert ">In Camden<" not in spoc_html and "Old news" not in spoc_html
    assert ">In Camden<" in deputy_html and "In Westminster<" not in deputy_html
    assert all(title in central_html for title in ("In Westminster", "In Camden and Westminster", ">In Camden<"))
    assert "Old news" not in central_html
    assert _dashboard(author).strip() == ""


def test_the_dashboard_list_costs_the_same_queries_however_many_reports(spoc, author, westminster):
    make_report(author, boroughs=[westminster])
    with CaptureQueriesContext(connection) as small:
        _dashboard(type(spoc).objects.get(pk=spoc.pk))
    for _ in range(20):
        make_report(author, boroughs=[westminster])
    with CaptureQueriesContext(connection) as big:
        html = _dashboard(type(spoc).objects.get(pk=spoc.pk))
    # The same few queries (the role, the officer's boroughs, the reports, their boroughs), and the count once the
    # list is full.
    assert len(big) == len(small) + 1 <= 6
    assert 'id="dashboard-new-reports-count">21<' in html
