"""The XSS corpus through a call's title, agenda and cancellation reason: the pages, the ICS and the HTML e-mail
carry nothing executable; the dial-in field refuses anything that is not a telephone number."""

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from messaging.bridge import services
from messaging.bridge.forms import CallForm
from tests.bridge.conftest import form_data
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", CORPUS)
def test_the_corpus_through_title_agenda_and_reason(client, schedule, officer, reps, sector_a, committed, payload):
    call = schedule(sectors=[sector_a], title=f"Call {payload}"[:200], agenda=payload)
    for person in (officer, reps["rita"]):
        client.force_login(person)
        for url in (reverse("bridge:detail", args=[call.pk]), reverse("bridge:list"),
                    reverse("bridge:detail", args=[call.pk]) + "?fragment=status"):
            assert executable_markup(client.get(url).content.decode()) == [], url
    client.force_login(officer)
    assert executable_markup(client.get(reverse("bridge:edit", args=[call.pk])).content.decode()) == []
    for message in mail.outbox:
        html, _ = message.alternatives[0]
        assert executable_markup(html, allowed_tags=frozenset({"meta"})) == []
        calendar = Calendar.from_ical(message.attachments[0][1])
        event = calendar.walk("VEVENT")[0]
        for text in (str(event["DESCRIPTION"]), str(event["SUMMARY"])):
            assert "<" not in text and ">" not in text
    mail.outbox.clear()
    committed(services.cancel_call, call, by=officer, reason=payload)
    client.force_login(reps["rita"])
    assert executable_markup(client.get(reverse("bridge:detail", args=[call.pk])).content.decode()) == []
    for message in mail.outbox:
        assert executable_markup(message.alternatives[0][0], allowed_tags=frozenset({"meta"})) == []


@pytest.mark.parametrize("payload", CORPUS)
def test_the_dial_in_field_refuses_the_corpus(officer, reps, sector_a, payload):
    form = CallForm(form_data(officer, sectors=[sector_a.pk], dial_in=payload), user=officer)
    assert not form.is_valid() and "dial_in" in form.errors
