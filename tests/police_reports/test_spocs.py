"""Borough SPOCs: appointed in the admin (officers only, one SPOC a borough, audited), listed for members with
how to reach them, and the reports' admin (read-only, files listed)."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from messaging.police_reports.attachments import check_upload
from sectors.models import Borough, BoroughSpoc
from tests.factories import officer_user
from tests.police_reports.conftest import png_bytes, submit, upload

pytestmark = pytest.mark.django_db

ADD = reverse("admin:sectors_boroughspoc_add")


def test_the_directory_lists_every_borough_with_its_spoc_and_deputy_and_how_to_reach_them(
        client, people, spoc, deputy, westminster, django_assert_max_num_queries):
    client.force_login(people.member_a)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("police_reports:spocs")).content.decode()
    for borough in Borough.objects.all():
        assert borough.name in page
    assert "PS Westminster SPOC" in page and "DC Westminster Deputy" in page
    assert page.index("PS Westminster SPOC") < page.index("DC Westminster Deputy")  # the SPOC first
    assert "020 7946 0100" in page and 'href="tel:02079460100"' in page
    assert spoc.email not in page and deputy.email not in page
    assert f"{reverse('police_reports:create')}?borough={westminster.pk}" in page
    assert "go to the central police liaison team" in page  # boroughs without one


def test_a_spoc_who_is_no_longer_an_officer_leaves_the_directory(client, people, spoc):
    spoc.groups.clear()
    client.force_login(people.member_a)
    assert "PS Westminster SPOC" not in client.get(reverse("police_reports:spocs")).content.decode()


def test_officers_see_the_directory_without_the_report_links(client, people, spoc):
    client.force_login(people.officer)
    page = client.get(reverse("police_reports:spocs")).content.decode()
    assert "PS Westminster SPOC" in page and "Message them through a report" not in page


def test_the_borough_link_prefills_the_report_form(client, people, westminster):
    client.force_login(people.member_a)
    page = client.get(reverse("police_reports:create") + f"?borough={westminster.pk}").content.decode()
    assert f'value="{westminster.pk}" id="id_boroughs_' in page
    assert page.split(f'value="{westminster.pk}" id="id_boroughs_', 1)[1].split(">", 1)[0].endswith("checked")


def test_the_admin_appoints_officers_only_one_spoc_a_borough_and_audits_it(client, people, westminster):
    client.force_login(people.admin)
    response = client.post(ADD, {"borough": westminster.pk, "officer": people.member_a.pk, "role": "spoc"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not BoroughSpoc.objects.exists()
    assert client.post(ADD, {"borough": westminster.pk, "officer": people.officer.pk, "role": "spoc",
                             "public_phone": ""}).status_code == 302
    appointed = BoroughSpoc.objects.get()
    assert appointed.appointed_by == people.admin
    entry = AuditEntry.objects.get(action="borough_spoc.appoint")
    assert entry.actor == people.admin and entry.target_id == str(westminster.pk)
    assert entry.data == {"officer": people.officer.pk, "role": "spoc", "changed": entry.data["changed"]}

    second = officer_user(display_name="Second Officer")
    response = client.post(ADD, {"borough": westminster.pk, "officer": second.pk, "role": "spoc"})
    assert response.status_code == 200 and "Westminster already has a SPOC (" in response.content.decode()
    assert client.post(ADD, {"borough": westminster.pk, "officer": second.pk, "role": "deputy"}).status_code == 302

    change = reverse("admin:sectors_boroughspoc_change", args=[appointed.pk])
    assert client.post(change, {"role": "spoc", "public_phone": "020 7946 0999"}).status_code == 302
    assert AuditEntry.objects.filter(action="borough_spoc.change", data__changed=["public_phone"]).exists()
    delete = reverse("admin:sectors_boroughspoc_delete", args=[appointed.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(action="borough_spoc.remove", data__officer=people.officer.pk).exists()
    assert client.get(reverse("admin:sectors_boroughspoc_changelist")).status_code == 200


def test_an_officer_who_lost_the_role_cannot_be_kept_as_spoc_through_a_stale_form(people, westminster):
    from sectors.admin import BoroughSpocAdminForm
    officer = officer_user()
    form = BoroughSpocAdminForm({"borough": westminster.pk, "officer": officer.pk, "role": "deputy"})
    officer.groups.clear()
    assert not form.is_valid() and "officer" in form.errors


def test_the_reports_admin_is_read_only_and_lists_the_files(client, people, westminster):
    report = submit(people.member_a, [westminster], files=[check_upload(upload("../x.png", png_bytes()))])
    client.force_login(people.admin)
    page = client.get(reverse("admin:police_reports_policereport_change", args=[report.pk])).content.decode()
    attachment = report.attachments.get()
    assert reverse("police_reports:attachment", args=[report.pk, attachment.pk]) in page and "x.png" in page
    assert client.get(reverse("admin:police_reports_policereport_add")).status_code == 403
    assert client.post(reverse("admin:police_reports_policereport_delete", args=[report.pk]),
                       {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:police_reports_policereport_changelist")).status_code == 200
