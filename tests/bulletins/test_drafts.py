"""Composing: drafts created and edited by officers (audited, refused once published), and updates that
supersede a published bulletin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from common import once
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from tests.bulletins.pages import once_token
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db


def compose(client, officer, url=None, **overrides):
    """Post the bulletin form (a new draft unless ``url`` is another form's) as the officer, as a browser
    would: with the one-time token the form rendered, if it has one."""
    data = {
        "kind": "pre_planning", "severity": "advisory", "title": "March on Whitehall",
        "body": "About **20,000** people from noon.", "marking": "official", "ack_requested": "on",
        "location": "Whitehall", **overrides,
    }
    client.force_login(officer)
    url = url or reverse("bulletins:create")
    page = client.get(url).content.decode()
    if f'name="{once.FIELD}"' in page:
        data[once.FIELD] = once_token(page)
    return client.post(url, data)


def test_form_errors_keep_input(client, officer):
    response = compose(client, officer, title="Empty audience", starts_at="2026-12-01T12:00",
                       ends_at="2026-12-01T10:00")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose at least one sector, or tick “Everyone”." in page
    assert "The event cannot end before it starts." in page
    assert 'value="Empty audience"' in page
    assert "About **20,000** people from noon." in page
    assert not Bulletin.objects.exists()


def test_a_new_draft_is_saved_with_its_audience_and_audited(client, officer, sector_a, westminster):
    response = compose(client, officer, sectors=[sector_a.pk], boroughs=[westminster.pk])
    bulletin = Bulletin.objects.get(title="March on Whitehall")
    assert response.status_code == 302 and response["Location"] == bulletin.get_absolute_url()
    assert (bulletin.status, bulletin.author, bulletin.ack_requested) == (Bulletin.Status.DRAFT, officer, True)
    assert list(bulletin.sectors.all()) == [sector_a] and list(bulletin.boroughs.all()) == [westminster]
    entry = AuditEntry.objects.get(action="bulletin.draft_create")
    assert (entry.actor, entry.target_id, entry.data) == (officer, str(bulletin.pk), {"supersedes": None})


def test_editing_a_draft_keeps_its_schedule_and_is_audited(client, officer, sector_a, sector_b):
    bulletin = BulletinFactory(title="Before", author=officer, sectors=[sector_a])
    when = timezone.now() + timedelta(hours=2)
    services.schedule_bulletin(bulletin, when=when, by=officer)
    response = compose(client, officer, reverse("bulletins:edit", args=[bulletin.pk]), title="After",
                       sectors=[sector_b.pk])
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert (bulletin.title, bulletin.status, bulletin.scheduled_for) == ("After", Bulletin.Status.SCHEDULED, when)
    assert list(bulletin.sectors.all()) == [sector_b]
    assert AuditEntry.objects.filter(action="bulletin.draft_update", target_id=str(bulletin.pk)).exists()


def test_an_edit_after_publishing_is_refused_and_nothing_changes(client, officer, sector_a, audience):
    bulletin = BulletinFactory(title="Before", author=officer, sectors=[sector_a])
    client.force_login(officer)
    form = client.get(reverse("bulletins:edit", args=[bulletin.pk]))
    assert form.status_code == 200
    services.publish_bulletin(bulletin, by=officer)  # meanwhile, in another tab
    with pytest.raises(services.BulletinError, match="published meanwhile"):
        services.update_draft(bulletin, by=officer, sectors=[sector_a], boroughs=[], title="After")
    assert client.get(reverse("bulletins:edit", args=[bulletin.pk])).status_code == 404
    bulletin.refresh_from_db()
    assert bulletin.title == "Before"
    assert not AuditEntry.objects.filter(action="bulletin.draft_update").exists()


def test_the_edit_view_says_when_the_bulletin_was_published_meanwhile(client, officer, sector_a, monkeypatch):
    bulletin = BulletinFactory(title="Before", author=officer, sectors=[sector_a])
    real_update = services.update_draft

    def published_first(draft, **kwargs):
        Bulletin.objects.filter(pk=draft.pk).update(status=Bulletin.Status.PUBLISHED, published_at=timezone.now())
        return real_update(draft, **kwargs)

    monkeypatch.setattr(services, "update_draft", published_first)
    response = compose(client, officer, reverse("bulletins:edit", args=[bulletin.pk]), title="After",
                       sectors=[sector_a.pk])
    assert response.status_code == 302 and response["Location"] == bulletin.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "This bulletin was published meanwhile; your changes were not saved." in page
    assert Bulletin.objects.get(pk=bulletin.pk).title == "Before"


def test_draft_services_take_only_a_bulletins_content(officer, sector_a):
    with pytest.raises(TypeError, match="status"):
        services.create_draft(by=officer, sectors=[sector_a], boroughs=[], title="x", body="x", status="published")


# Superseding -------------------------------------------------------------------------------------------------


def test_supersede(client, officer, audience, sector_a, committed, publish):
    old = publish(title="Road closed", sectors=[sector_a])
    client.force_login(officer)
    form = client.get(reverse("bulletins:create"), {"supersedes": old.pk}).content.decode()
    assert 'value="Update: Road closed"' in form
    client.post(reverse("bulletins:create"), {
        "kind": "pre_planning", "severity": "info", "title": "Road reopened", "body": "All clear",
        "marking": "official", "sectors": [sector_a.pk], "supersedes": old.pk, once.FIELD: once_token(form),
    })
    new = Bulletin.objects.get(title="Road reopened")
    assert new.supersedes == old
    committed(services.publish_bulletin, new, by=officer)
    old.refresh_from_db()
    assert old.status == Bulletin.Status.SUPERSEDED
    client.force_login(audience["retail_camden"])
    assert "superseded by" in client.get(old.get_absolute_url()).content.decode()


def test_a_successor_starts_from_the_old_bulletins_content_and_audience(officer, sector_a, westminster, publish):
    old = publish(title="Road closed", body="Regent Street", sectors=[sector_a], boroughs=[westminster],
                  severity=Bulletin.Severity.WARNING, location="W1", ack_requested=True)
    initial = old.successor_initial()
    assert initial["title"] == "Update: Road closed"
    assert (initial["body"], initial["severity"], initial["location"], initial["ack_requested"]) == (
        "Regent Street", Bulletin.Severity.WARNING, "W1", True)
    assert list(initial["sectors"]) == [sector_a] and list(initial["boroughs"]) == [westminster]


def test_a_draft_successor_is_not_shown_to_members(client, officer, audience, sector_a, publish):
    old = publish(title="Original", sectors=[sector_a])
    client.force_login(officer)
    url = reverse("bulletins:create") + f"?supersedes={old.pk}"
    client.post(url, {
        "kind": "pre_planning", "severity": "info", "title": "Secret successor", "body": "x",
        "sectors": [sector_a.pk], "marking": "official", "supersedes": old.pk,
        once.FIELD: once_token(client.get(url).content.decode())})
    assert Bulletin.objects.filter(title="Secret successor", supersedes=old).exists()
    assert "Secret successor" in client.get(old.get_absolute_url()).content.decode()  # officers see drafts
    client.force_login(audience["retail_westminster"])
    assert "Secret successor" not in client.get(old.get_absolute_url()).content.decode()


def test_supersede_links_never_crash(client, officer, audience, sector_a, publish):
    old = publish(title="Original", sectors=[sector_a])
    client.force_login(officer)
    for value in ["²", "abc", "9" * 40]:
        assert client.get(reverse("bulletins:create") + f"?supersedes={value}").status_code == 200
    BulletinFactory(title="First successor", author=officer, supersedes=old)
    # Already superseded by a draft: it is no longer offered.
    assert client.get(reverse("bulletins:create") + f"?supersedes={old.pk}").status_code == 404


def test_only_one_draft_may_supersede_a_bulletin(officer, sector_a, publish):
    old = publish(title="Original", sectors=[sector_a])
    first = services.create_draft(by=officer, sectors=[sector_a], boroughs=[], title="First", body="x",
                                  supersedes=old)
    assert AuditEntry.objects.get(action="bulletin.draft_create").data == {"supersedes": old.pk}
    # A second officer who opened the form before the first saved is refused, in words.
    with pytest.raises(services.BulletinError, match="Another draft already supersedes that bulletin"):
        services.create_draft(by=officer, sectors=[sector_a], boroughs=[], title="Second", body="x",
                              supersedes=old)
    assert list(Bulletin.objects.filter(supersedes=old)) == [first]
