"""`manage.py demo` builds a usable portal and can run again; role accounts get two-factor authentication."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from messaging.board.models import ProposedEdit, Report, Thread
from sectors.models import Membership

pytestmark = pytest.mark.django_db


def test_demo_runs_twice_and_logs_everyone_in(client, capsys):
    call_command("demo")
    call_command("demo")
    output = capsys.readouterr().out
    assert "member@hub.example" in output and "demo_code" in output
    assert Thread.objects.filter(status="pending").count() == 1
    assert Report.objects.count() == 1
    assert ProposedEdit.objects.filter(status="pending").count() == 1
    assert Membership.objects.filter(status="applied").count() == 1
    for email in ["admin@hub.example", "officer@hub.example", "moderator@hub.example", "lead@hub.example",
                  "member@hub.example", "member2@hub.example"]:
        client.force_login(User.objects.get(email=email))
        response = client.get(reverse("dashboard"))
        # Role holders already have an authenticator, so nobody is sent to set one up.
        assert response.status_code == 200, email
    call_command("demo_code")
    assert capsys.readouterr().out.strip().isdigit()
