"""Members tell the police: routing to the boroughs' SPOCs (the central team when none), the form's bad input
(clear errors, input kept, nothing stored twice), the rate limit, and the officers told by e-mail and live."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from common.once import REPEATED_MESSAGE
from messaging.bulletins import services as bulletin_services
from messaging.bulletins import transport
from messaging.bulletins.audience import Audience
from messaging.police_reports import services
from messaging.police_reports.forms import FILES_AGAIN
from messaging.police_reports.models import PoliceReport
from tests.factories import officer_user
from tests.police_reports.conftest import jpeg_with_gps, submit, upload

pytestmark = pytest.mark.django_db

CREATE = reverse("police_reports:create")


def once_token(client, url: str = CREATE) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="once_token" value="([^"]+)"', page).group(1)


def form_data(client, westminster, **changes):
    data = {"kind": "suspicious_activity", "boroughs": [westminster.pk], "incident": "",
            "title": "Van watching the loading bay", "body": "A white van has parked opposite our bay all week.",
            "once_token": once_token(client)}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# Routing -----------------------------------------------------------------------------------------------------


def test_a_report_goes_to_the_spoc_and_deputy_of_its_boroughs(people, spoc, deputy, westminster, camden,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(people.member_a, [westminster, camden])
    assert set(report.routed_to.all()) == {spoc, deputy}
    assert sorted(message.to[0] for message in mail.outbox) == sorted([spoc.email, deputy.email])
    assert report.organisation == people.member_a.organisation and report.status == PoliceReport.Status.NEW


def test_a_report_about_boroughs_without_a_spoc_goes_to_every_officer(people, camden, officer,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(people.member_a, [camden])
    # The officers group: the administrator (a superuser outside it) is not the liaison team.
    assert set(report.routed_to.all()) == {people.officer, officer}
    assert {message.to[0] for message in mail.outbox} == {people.officer.email, officer.email}


def test_a_spoc_who_left_the_officers_or_was_deactivated_is_passed_over(people, spoc, westminster):
    spoc.groups.clear()
    report = submit(people.member_a, [westminster])
    assert spoc not in report.routed_to.all() and people.officer in report.routed_to.all()


def test_submitting_is_audited_and_tells_the_officers_live(people, spoc, westminster, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    personal, announced = [], []
    monkeypatch.setattr(transport, "send_to_user", lambda user_id, payload: personal.append((user_id, payload)))
    monkeypatch.setattr(transport, "announce", lambda audience, payload: announced.append((audience, payload)))
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(people.member_a, [westminster])
    entry = AuditEntry.objects.get(action="police_report.submit")
    assert entry.target_id == str(report.pk) and entry.data["routed_to"] == [spoc.pk]
    ((user_id, payload),) = personal
    assert user_id == spoc.pk
    assert payload["toast"] is True and payload["heading"] == "Report to the police"
    assert payload["url"] == report.get_absolute_url() and "Westminster" in payload["summary"]
    ((audience, quiet),) = announced
    assert quiet == {"type": "news", "toast": False, "refresh": [services.TRIAGE_PART]}
    assert audience == Audience.chosen(everyone=False)  # officers only


def test_the_officers_email_says_what_arrived_but_not_what_was_written(people, spoc, westminster,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(people.member_a, [westminster], title="Drone over the yard", body="Secret details of the drone.")
    (message,) = mail.outbox
    assert message.subject == "[The Hub] Report to the police (Suspicious activity): Drone over the yard"
    text, html = message.body, message.alternatives[0][0]
    assert "Drone over the yard" in text and "Westminster" in text and people.member_a.display_name in text
    assert "Secret details" not in text and "Secret details" not in html


# The form ----------------------------------------------------------------------------------------------------


def test_a_member_sends_a_report_with_a_photo_and_lands_on_it(client, people, spoc, westminster):
    client.force_login(people.member_a)
    data = form_data(client, westminster, files=[upload("yard.jpg", jpeg_with_gps(), "image/jpeg")])
    response = client.post(CREATE, data)
    report = PoliceReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.attachments.get().original_name == "yard.jpg"
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Van watching the loading bay" in page and "yard.jpg" in page and "New" in page


def test_empty_fields_are_each_named_and_nothing_is_stored(client, people, westminster):
    client.force_login(people.member_a)
    response = client.post(CREATE, form_data(client, westminster, kind="", boroughs=[], title="  ", body=""))
    page = response.content.decode()
    assert response.status_code == 200
    for error in ["Choose what kind of report this is.", "Choose at least one borough.",
                  "Give your report a title.", "Tell the police what happened."]:
        assert error in page
    assert not PoliceReport.objects.exists()


def test_huge_fields_are_refused_with_their_limits_and_the_text_is_kept(client, people, westminster):
    client.force_login(people.member_a)
    title, body = "T" * 201, "B" * 20001
    page = client.post(CREATE, form_data(client, westminster, title=title, body=body)).content.decode()
    assert "Keep the title to 200 characters (it has 201)." in page
    assert "Keep it to 20000 characters (it has 20001)" in page
    assert title in page and body in page
    assert not PoliceReport.objects.exists()


def test_a_form_with_a_problem_keeps_the_text_and_asks_for_the_files_again(client, people, westminster):
    client.force_login(people.member_a)
    data = form_data(client, westminster, title="", body="Kept body text about the van.",
                     files=[upload("yard.jpg", jpeg_with_gps(), "image/jpeg")])
    page = client.post(CREATE, data).content.decode()
    assert "Kept body text about the van." in page and FILES_AGAIN in page
    assert re.search(rf'value="{westminster.pk}" id="id_boroughs_[0-9_]+" checked', page)
    assert not PoliceReport.objects.exists()


def test_an_unknown_or_unseen_incident_in_the_link_is_explained_not_a_500(client, people, sector_b, westminster):
    hidden = bulletin_services.open_incident(title="Banking only", sectors=[sector_b], boroughs=[],
                                             by=people.officer)
    client.force_login(people.member_a)
    for value in ["999999", "abc", "-1", str(hidden.pk)]:
        response = client.get(CREATE + f"?incident={value}")
        assert response.status_code == 200
        assert "does not exist or is not one you can see" in response.content.decode()
        assert "Banking only" not in response.content.decode()


def test_a_visible_incident_in_the_link_is_prefilled(client, people, sector_a, westminster):
    incident = bulletin_services.open_incident(title="Retail fire", sectors=[sector_a], boroughs=[],
                                               by=people.officer)
    client.force_login(people.member_a)
    page = client.get(CREATE + f"?incident={incident.pk}").content.decode()
    assert re.search(rf'<option value="{incident.pk}" selected>Retail fire', page)


def test_a_posted_incident_the_member_may_not_see_is_a_form_error(client, people, sector_b, westminster):
    hidden = bulletin_services.open_incident(title="Banking only", sectors=[sector_b], boroughs=[],
                                             by=people.officer)
    client.force_login(people.member_a)
    for value in [str(hidden.pk), "999999", "x"]:
        page = client.post(CREATE, form_data(client, westminster, incident=value)).content.decode()
        assert "That incident does not exist or is not one you can see" in page
    assert not PoliceReport.objects.exists()


def test_a_tampered_borough_list_is_a_form_error(client, people, westminster):
    client.force_login(people.member_a)
    for boroughs in [[999999], ["abc"], [westminster.pk, 999999]]:
        page = client.post(CREATE, form_data(client, westminster, boroughs=boroughs)).content.decode()
        assert "One of the boroughs sent is not on the list" in page
    assert not PoliceReport.objects.exists()


def test_a_double_submission_stores_one_report(client, people, spoc, westminster):
    client.force_login(people.member_a)
    data = form_data(client, westminster, files=[upload("yard.jpg", jpeg_with_gps(), "image/jpeg")])
    first = client.post(CREATE, data)
    data["files"] = [upload("yard.jpg", jpeg_with_gps(), "image/jpeg")]
    second = client.post(CREATE, data, follow=True)
    assert first.status_code == 302
    assert REPEATED_MESSAGE in second.content.decode()
    assert PoliceReport.objects.count() == 1


def test_reports_are_rate_limited_with_the_input_kept(client, people, westminster, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "police_report": "2/h"}
    client.force_login(people.member_a)
    for _ in range(2):
        assert client.post(CREATE, form_data(client, westminster)).status_code == 302
    response = client.post(CREATE, form_data(client, westminster, title="The third one"))
    assert response.status_code == 429
    assert "The third one" in response.content.decode()
    assert PoliceReport.objects.count() == 2


def test_officers_do_not_write_reports_and_go_to_triage_from_the_list(client, people):
    client.force_login(people.officer)
    assert client.get(CREATE).status_code == 403
    response = client.get(reverse("police_reports:list"))
    assert response.status_code == 302 and response["Location"] == reverse("police_reports:triage")


def test_the_service_refuses_a_report_from_someone_who_may_not_report(people, westminster):
    with pytest.raises(services.ReportError):
        submit(people.applicant, [westminster])
    officer = officer_user()
    with pytest.raises(services.ReportError):
        submit(officer, [westminster])


def test_the_members_list_shows_their_reports_only_with_status_in_bounded_queries(
        client, people, westminster, django_assert_max_num_queries):
    for number in range(25):
        submit(people.member_a, [westminster], title=f"Mine {number}")
    submit(people.member_b, [westminster], title="Not mine")
    client.force_login(people.member_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("police_reports:list")).content.decode()
    assert "Mine 24" in page and "Not mine" not in page and "Page 1 of 2" in page
    fragment = client.get(reverse("police_reports:list") + "?fragment=list&page=2").content.decode()
    assert "Mine 0" in fragment and "<html" not in fragment
