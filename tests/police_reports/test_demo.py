"""The demo has SPOCs for several boroughs and reports in each status, with messages, and runs twice."""

import pytest
from django.core.management import call_command

from messaging.police_reports.models import PoliceReport, ReportMessage
from sectors.models import BoroughSpoc

pytestmark = pytest.mark.django_db


def test_the_demo_has_spocs_and_a_report_in_each_status(capsys):
    call_command("demo")
    call_command("demo")
    assert "spoc@hub.example" in capsys.readouterr().out
    assert BoroughSpoc.objects.values("borough").distinct().count() >= 4
    assert set(PoliceReport.objects.values_list("status", flat=True)) == set(PoliceReport.Status.values)
    assert PoliceReport.objects.count() == 4 and ReportMessage.objects.count() == 4
    assert all(report.routed_to.exists() for report in PoliceReport.objects.all())
