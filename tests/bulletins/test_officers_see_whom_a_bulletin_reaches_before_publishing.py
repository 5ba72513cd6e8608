"""The compose form is compact (grouped multi-selects over real checkboxes, no inline script or style) and says
what is wrong in an error summary linked to the fields; the preview says who (organisations, paged) and "Publish
now" asks first, naming the audience's size."""

import re

import pytest
from django.urls import reverse

from messaging.bulletins.models import Bulletin
from tests.bulletins.test_drafts import compose
from tests.factories import BulletinFactory, OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


def test_the_audience_lists_are_grouped_checkboxes_enhanced_by_a_static_script(client, officer, sector_a):
    client.force_login(officer)
    page = client.get(reverse("bulletins:create")).content.decode()
    assert '<fieldset class="mb-3 multiselect" id="id_sectors"' in page and 'id="id_boroughs"' in page
    assert page.count("data-multiselect ") == 2 and page.count("data-multiselect-box") == 2
    for group in ("Retail, hospitality and leisure", "Infrastructure", "City and Inner London", "Outer London"):
        assert f'<legend class="multiselect-group-label">{group}</legend>' in page
    # Still the form's own checkboxes, so it works without the script.
    assert f'<input type="checkbox" class="form-check-input" name="sectors" value="{sector_a.pk}"' in page
    assert '<script src="/static/multiselect.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\ssrc=)", page) and ' style="' not in page


def test_the_group_of_every_seeded_sector_is_a_named_one(client, officer):
    client.force_login(officer)
    page = client.get(reverse("bulletins:create")).content.decode()
    assert "Other sectors" not in page


def test_form_errors_are_summarised_at_the_top_with_links_to_the_fields_and_focus(client, officer):
    response = compose(client, officer, title="x", starts_at="2026-12-01T12:00", ends_at="2026-12-01T10:00")
    page = response.content.decode()
    assert response.status_code == 200
    start = page.index("data-error-summary")
    summary = page[start:page.index("</div>", start)]
    assert start < page.index("<h1")
    assert "autofocus" in page[page.rindex("<div", 0, start):start]  # the summary's own tag
    assert '<a href="#id_title">Title: Give the bulletin a title of at least 3 characters.</a>' in summary
    assert '<a href="#id_sectors">Sectors: Choose at least one sector, or tick “Everyone”.</a>' in summary
    assert '<a href="#id_ends_at">Event ends: The event cannot end before it starts.</a>' in summary
    assert 'value="x"' in page and "About **20,000** people from noon." in page


def test_chosen_audience_stays_ticked_when_the_form_comes_back(client, officer, sector_a, westminster):
    page = compose(client, officer, title="x", sectors=[sector_a.pk], boroughs=[westminster.pk]).content.decode()
    assert f'name="sectors" value="{sector_a.pk}" id="id_sectors_' in page
    ticked = re.findall(r'name="(sectors|boroughs)" value="(\d+)" id="[^"]+" checked', page)
    assert sorted(ticked) == sorted([("boroughs", str(westminster.pk)), ("sectors", str(sector_a.pk))])


def test_the_preview_lists_the_organisations_paged_with_the_marking_and_acknowledgement(client, officer, sector_a):
    organisations = [OrganisationFactory(name=f"Shop {n:02}") for n in range(25)]
    for organisation in organisations:
        member_of(sector_a, organisation=organisation)
    bulletin = BulletinFactory(title="Preview", author=officer, sectors=[sector_a], ack_requested=True,
                               marking=Bulletin.Marking.OFFICIAL_SENSITIVE)
    client.force_login(officer)
    client.get(reverse("dashboard"))
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "Will reach <strong>25</strong> members in <strong>25</strong> organisations" in page
    assert "Shop 00 <span" in page and "Shop 19 <span" in page and "Shop 20 <span" not in page
    assert "Marking: <strong>OFFICIAL-SENSITIVE</strong>" in page
    assert "Acknowledgement: <strong>requested</strong>" in page
    assert "Page 1 of 2" in page
    second = client.get(bulletin.get_absolute_url() + "?organisations=2").content.decode()
    assert "Shop 24 <span" in second and "Shop 00 <span" not in second


def test_the_bulletin_page_with_its_preview_reads_a_bounded_number_of_queries(
        client, officer, sector_a, django_assert_max_num_queries):
    for n in range(30):
        member_of(sector_a, organisation=OrganisationFactory(name=f"Org {n}"))
    bulletin = BulletinFactory(title="Preview", author=officer, sectors=[sector_a])
    client.force_login(officer)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        assert client.get(bulletin.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("bulletins:publish", args=[bulletin.pk])).status_code == 200


def test_publish_now_asks_for_confirmation_naming_the_audience_size(client, officer, audience, sector_a):
    bulletin = BulletinFactory(title="Road closed", author=officer, sectors=[sector_a])
    client.force_login(officer)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    publish = reverse("bulletins:publish", args=[bulletin.pk])
    # The bulletin's page links to the confirmation; it publishes nothing itself.
    assert f'<a class="btn btn-danger" href="{publish}">Publish now</a>' in page
    assert f'action="{publish}"' not in page
    confirmation = client.get(publish).content.decode()
    assert "It goes at once to <strong>2 members</strong>" in confirmation
    assert ">Publish to 2 members</button>" in confirmation
    assert not Bulletin.objects.get(pk=bulletin.pk).is_published
