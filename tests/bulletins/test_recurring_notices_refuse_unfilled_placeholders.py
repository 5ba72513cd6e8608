"""Templates for recurring notices: saved from a bulletin (content and audience), a new bulletin started from one,
and a bulletin whose placeholders are still unfilled is refused at publish (and at schedule) with a clear message."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from common import once
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, NoticeTemplate
from tests.bulletins.pages import once_token
from tests.bulletins.test_drafts import compose
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db

BODY = "A march along {route} from {start}. Closures: {closures}."


@pytest.fixture
def template(officer, sector_a, westminster):
    return services.save_notice_template(
        by=officer, name="March: central London", kind="pre_planning", severity="advisory", marking="official",
        ack_requested=True, title="March on {route}", body=BODY, location="", everyone=False, sectors=[sector_a],
        boroughs=[westminster])


def test_an_officer_saves_a_bulletin_as_a_template_with_its_audience(client, officer, sector_a, westminster):
    bulletin = BulletinFactory(title="March on Whitehall", body=BODY, author=officer, sectors=[sector_a],
                               boroughs=[westminster], ack_requested=True, severity="advisory",
                               marking="official_sensitive")
    client.force_login(officer)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    url = reverse("bulletins:template_create")
    assert f'href="{url}?from={bulletin.pk}"' in page
    form = client.get(f"{url}?from={bulletin.pk}").content.decode()
    assert f'name="sectors" value="{sector_a.pk}" id="id_sectors_' in form and "checked" in form
    response = client.post(url, {
        "from": bulletin.pk, "name": "March: central London", "kind": "pre_planning", "severity": "advisory",
        "title": "March on {route}", "body": BODY, "marking": "official_sensitive", "ack_requested": "on",
        "sectors": [sector_a.pk], "boroughs": [westminster.pk]})
    assert response.status_code == 302
    template = NoticeTemplate.objects.get(name="March: central London")
    assert (template.marking, template.ack_requested, template.created_by) == ("official_sensitive", True, officer)
    assert list(template.sectors.all()) == [sector_a] and list(template.boroughs.all()) == [westminster]
    assert template.placeholders == ["closures", "route", "start"]
    assert AuditEntry.objects.filter(action="notice_template.create", actor=officer).exists()
    assert "March: central London" in client.get(reverse("bulletins:template_list")).content.decode()


def test_a_new_bulletin_starts_from_a_template_and_is_refused_at_publish_until_its_placeholders_are_filled(
        client, officer, audience, sector_a, westminster, template, committed):
    client.force_login(officer)
    url = reverse("bulletins:create") + f"?template={template.pk}"
    form = client.get(url).content.decode()
    assert 'value="March on {route}"' in form and "{closures}" in form
    assert f'<input type="hidden" name="template" value="{template.pk}">' in form
    response = compose(client, officer, url=url, title="March on {route}", body=BODY, template=template.pk,
                       sectors=[sector_a.pk], boroughs=[westminster.pk])
    assert response.status_code == 302
    bulletin = Bulletin.objects.get(title="March on {route}")
    assert bulletin.notice_template == template

    publish = reverse("bulletins:publish", args=[bulletin.pk])
    confirmation = client.get(publish).content.decode()
    assert "still has placeholders to fill in" in confirmation
    response = committed(client.post, publish, {once.FIELD: once_token(confirmation, publish)}, follow=True)
    message = "Not published: fill in {closures}, {route}, {start} first"
    assert message in response.content.decode()
    assert not Bulletin.objects.get(pk=bulletin.pk).is_published
    with pytest.raises(services.BulletinError, match="Not scheduled: fill in"):
        services.schedule_bulletin(bulletin, when=timezone.now() + timedelta(hours=1), by=officer)

    compose(client, officer, url=reverse("bulletins:edit", args=[bulletin.pk]), title="March on Whitehall",
            body="A march along Whitehall from 12:00. Closures: Parliament Square.", sectors=[sector_a.pk],
            boroughs=[westminster.pk])
    confirmation = client.get(publish).content.decode()
    committed(client.post, publish, {once.FIELD: once_token(confirmation, publish)})
    assert Bulletin.objects.get(pk=bulletin.pk).is_published


def test_braces_in_a_bulletin_not_started_from_a_template_are_ordinary_text(officer, audience, sector_a, committed):
    bulletin = BulletinFactory(title="Config {x}", body="Use {braces} freely", author=officer, sectors=[sector_a])
    assert committed(services.publish_bulletin, bulletin, by=officer) == 2


def test_template_names_are_unique_whatever_their_case(officer, template):
    with pytest.raises(services.BulletinError, match="already a template"):
        services.save_notice_template(by=officer, name="march: CENTRAL london", kind="advice", severity="info",
                                      marking="official", ack_requested=False, title="t", body="b", location="",
                                      everyone=True, sectors=[], boroughs=[])
