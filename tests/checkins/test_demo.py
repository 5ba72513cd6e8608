"""The demo has an open check-in on its incident, answered in several sectors and boroughs, and runs twice."""

import pytest
from django.core.management import call_command

from messaging.checkins.models import Answer, AnswerChange, CheckIn
from sectors.models import Membership

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_check_in_answered_across_sectors_and_boroughs():
    call_command("demo")
    call_command("demo")
    check_in = CheckIn.objects.get()
    assert check_in.is_open and check_in.incident.title == "Suspicious package, Oxford Circus"
    answers = Answer.objects.filter(check_in=check_in)
    assert answers.count() >= 5
    assert answers.values("borough").distinct().count() >= 2
    sectors = Membership.objects.approved().filter(
        user__organisation__in=answers.values("organisation")).values("sector").distinct().count()
    assert sectors >= 3
    assert answers.filter(choice__needs_contact=True).exists()
    assert AnswerChange.objects.filter(check_in=check_in).count() > answers.count()  # one organisation changed
