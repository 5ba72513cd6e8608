"""Bulletins (incident updates too) and members' feedback are stored with their sanitised HTML when written;
pages output the stored HTML; `manage.py recook` renders again what an older pipeline made."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from common.text import PIPELINE_VERSION, render_markdown
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Feedback
from tests.bulletins.test_drafts import compose
from tests.factories import member_of
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


def _cooked(text: str) -> str:
    return str(render_markdown(text))


def test_a_draft_stores_its_html_and_an_edit_of_the_draft_rewrites_it(client, officer, sector_a):
    compose(client, officer, sectors=[sector_a.pk])
    bulletin = Bulletin.objects.get(title="March on Whitehall")
    assert (bulletin.body_html, bulletin.body_html_version) == (_cooked("About **20,000** people from noon."),
                                                                PIPELINE_VERSION)

    compose(client, officer, url=reverse("bulletins:edit", args=[bulletin.pk]), sectors=[sector_a.pk],
            body="About *30,000* people from one o'clock.")
    bulletin.refresh_from_db()
    assert bulletin.body_html == _cooked("About *30,000* people from one o'clock.")
    assert "About <em>30,000</em> people" in client.get(bulletin.get_absolute_url()).content.decode()


def test_the_bulletin_page_shows_the_stored_copy(client, audience, sector_a, publish):
    bulletin = publish(title="Road closures", body="Closed **all day**.", sectors=[sector_a])
    Bulletin.objects.filter(pk=bulletin.pk).update(body_html="<p>the <em>stored</em> copy</p>")
    client.force_login(audience["retail_camden"])
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "<p>the <em>stored</em> copy</p>" in page and "<strong>all day</strong>" not in page


def test_incident_updates_and_feedback_store_their_html_and_their_pages_show_it(
        client, officer, audience, sector_a, committed):
    incident = services.open_incident(title="Suspicious package", sectors=[sector_a], boroughs=[], by=officer)
    update = committed(services.post_incident_update, incident, title="Cordon in place",
                       body="Avoid **Oxford Circus**.", severity="warning", by=officer)
    assert (update.body_html, update.body_html_version) == (_cooked("Avoid **Oxford Circus**."), PIPELINE_VERSION)
    member = audience["retail_camden"]
    client.force_login(member)
    assert "Avoid <strong>Oxford Circus</strong>." in client.get(incident.get_absolute_url()).content.decode()

    client.post(reverse("bulletins:feedback", args=[update.pk]), {"body": "We saw a *crowd* gathering"})
    feedback = Feedback.objects.get()
    assert (feedback.body_html, feedback.body_html_version) == (_cooked("We saw a *crowd* gathering"),
                                                                PIPELINE_VERSION)
    client.force_login(officer)
    assert "We saw a <em>crowd</em> gathering" in client.get(reverse("bulletins:feedback_list")).content.decode()


def test_recook_renders_outdated_bulletins_and_feedback_only_and_the_page_changes(
        client, audience, sector_a, publish):
    old = publish(title="Old", body="Rendered by an **older** pipeline.", sectors=[sector_a])
    current = publish(title="Current", body="Current.", sectors=[sector_a])
    member = audience["retail_camden"]
    feedback = services.leave_feedback(old, user=member, body="Thanks *a lot*")
    Bulletin.objects.filter(pk=old.pk).update(body_html="<p>old pipeline</p>", body_html_version=0)
    Bulletin.objects.filter(pk=current.pk).update(body_html="<p>current, left alone</p>")
    Feedback.objects.filter(pk=feedback.pk).update(body_html="<p>old feedback</p>", body_html_version=0)
    client.force_login(member)
    assert "<p>old pipeline</p>" in client.get(old.get_absolute_url()).content.decode()

    call_command("recook", stdout=open("/dev/null", "w"))  # noqa: SIM115

    old.refresh_from_db()
    current.refresh_from_db()
    feedback.refresh_from_db()
    assert (old.body_html, old.body_html_version) == (_cooked(old.body), PIPELINE_VERSION)
    assert current.body_html == "<p>current, left alone</p>"
    assert feedback.body_html == _cooked("Thanks *a lot*")
    page = client.get(old.get_absolute_url()).content.decode()
    assert "Rendered by an <strong>older</strong> pipeline." in page and "old pipeline</p>" not in page


@pytest.mark.parametrize("payload", CORPUS)
def test_stored_html_is_sanitised_when_the_bulletin_is_written(officer, payload):
    bulletin = services.create_draft(by=officer, sectors=[], boroughs=[], title="Corpus", body=payload)
    feedback = Feedback.objects.create(bulletin=bulletin, author=officer, body=payload)
    for stored in (bulletin.body_html, feedback.body_html):
        assert executable_markup(stored, allowed_tags=frozenset()) == []


def test_bulk_writes_store_the_html_too(officer):
    """bulk_create and bulk_update skip save(): the models' querysets store the HTML themselves."""
    created = Bulletin.objects.bulk_create([Bulletin(title="Bulk", body="**bulk**", author=officer)])[0]
    created.refresh_from_db()
    assert (created.body_html, created.body_html_version) == (_cooked("**bulk**"), PIPELINE_VERSION)
    created.body = "*changed*"
    Bulletin.objects.bulk_update([created], ["body"])
    created.refresh_from_db()
    assert created.body_html == _cooked("*changed*")
    Bulletin.objects.filter(pk=created.pk).update(body="changed `again`")
    created.refresh_from_db()
    assert created.body_html == _cooked("changed `again`")


def test_recook_renders_outdated_answers_to_replies_too(officer, sector_a, publish):
    bulletin = publish(title="March", sectors=[sector_a])
    reply = services.leave_feedback(bulletin, user=member_of(sector_a), body="Which streets?")
    services.answer_feedback(reply, by=officer, answer="**Whitehall** from noon.")
    Feedback.objects.filter(pk=reply.pk).update(answer_html="<p>stale</p>", answer_html_version=0)
    call_command("recook")
    reply.refresh_from_db()
    assert reply.answer_html == render_markdown("**Whitehall** from noon.")
    assert reply.answer_html_version == PIPELINE_VERSION
