"""A member tells the police something with a photo; the SPOC of that borough, with the triage inbox open in another
browser, sees it arrive without reloading, opens it and replies; the member sees the reply arrive on the report's
page, again without reloading."""

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from messaging.police_reports.models import PoliceReport
from sectors.models import Borough, BoroughSpoc, Sector
from tests.browser.test_live import log_in
from tests.factories import OrganisationFactory, member_of, officer_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_a_report_reaches_the_boroughs_spoc_live_and_their_reply_reaches_the_member(browser, live_server_url):
    westminster = Borough.objects.get(slug="westminster")
    member = member_of(Sector.objects.get(slug="retail"), display_name="Mina Member",
                       organisation=OrganisationFactory(name="Mina's Shoes Ltd"))
    spoc = officer_user(display_name="PS Westminster")
    BoroughSpoc.objects.create(borough=westminster, officer=spoc, role=BoroughSpoc.Role.SPOC)

    member_context, member_page = log_in(browser, live_server_url, member)
    spoc_context, spoc_page = log_in(browser, live_server_url, spoc)
    try:
        spoc_page.goto("/reports/triage/")
        spoc_page.wait_for_selector('#live-status[data-state="live"]', state="attached")
        assert spoc_page.locator("#triage-reports").count() == 0  # nothing yet
        assert spoc_page.locator("#new-reports-count").inner_text() == "0"

        member_page.goto("/reports/new/")
        member_page.get_by_label("Suspicious activity").check()
        member_page.get_by_label("Westminster", exact=True).check()
        member_page.get_by_label("Title").fill("Van watching the loading bay")
        member_page.get_by_label("What happened").fill("A white van has parked opposite our loading bay every "
                                                       "evening this week, engine running.")
        member_page.locator("input[type=file]").set_input_files(
            [{"name": "van.png", "mimeType": "image/png", "buffer": photo()}])
        member_page.get_by_role("button", name="Send to the police").click()
        member_page.wait_for_load_state()
        report = PoliceReport.objects.get()
        assert member_page.url.endswith(report.get_absolute_url())
        assert list(report.routed_to.all()) == [spoc]
        member_page.wait_for_selector('#live-status[data-state="live"]', state="attached")

        # The SPOC's open inbox fetched its list again: the report is there, without a reload.
        row = spoc_page.locator(f'#triage-reports [data-report="{report.pk}"]')
        row.wait_for(timeout=10_000)
        assert "Van watching the loading bay" in row.inner_text()
        assert spoc_page.locator('#triage-tabs [data-count="new"]').inner_text() == "1"
        spoc_page.wait_for_function("document.getElementById('new-reports-count').textContent.trim() === '1'")

        row.get_by_role("link", name="Van watching the loading bay").click()
        spoc_page.wait_for_load_state()
        assert spoc_page.locator("#report-files").inner_text().startswith("van.png")
        spoc_page.get_by_role("button", name="Acknowledge").click()
        spoc_page.wait_for_load_state()
        spoc_page.get_by_label("Your message").fill("Thank you: a patrol will pass by this evening.")
        spoc_page.get_by_role("button", name="Send to Mina Member").click()
        spoc_page.wait_for_load_state()

        # The member, still on the report's page, sees the reply arrive in the thread.
        thread = member_page.locator(f'[data-live-part="report-{report.pk}-messages"]')
        thread.get_by_text("a patrol will pass by this evening").wait_for(timeout=10_000)
        report.refresh_from_db()
        assert report.status == PoliceReport.Status.ACKNOWLEDGED
        for page in (member_page, spoc_page):
            assert page.csp_errors == []
    finally:
        member_context.close()
        spoc_context.close()
        # The server stored the photo under its MEDIA_ROOT (the same environment as this process's settings).
        for report in PoliceReport.objects.all():
            shutil.rmtree(Path(settings.MEDIA_ROOT) / "police_reports" / str(report.pk), ignore_errors=True)
