"""Account events land in the append-only audit log."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import roles
from audit.models import AuditEntry
from audit.services import record
from tests.factories import with_mfa

pytestmark = pytest.mark.django_db


def test_login_and_failed_login_are_audited(client, verified_user, password):
    client.post(reverse("account_login"), {"login": verified_user.email, "password": "wrong"})
    client.post(reverse("account_login"), {"login": verified_user.email, "password": password})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["account.login_failed", "account.login"]
    failed = AuditEntry.objects.get(action="account.login_failed")
    assert failed.data["email"] == verified_user.email
    assert "wrong" not in str(failed.data)


def test_role_changes_are_audited(verified_user):
    officers = Group.objects.get(name=roles.OFFICERS)
    verified_user.groups.add(officers)
    verified_user.groups.remove(officers)
    entries = AuditEntry.objects.filter(target_id=str(verified_user.pk)).order_by("id")
    assert [(e.action, e.data["roles"]) for e in entries] == [
        ("role.granted", [roles.OFFICERS]),
        ("role.revoked", [roles.OFFICERS]),
    ]


def test_audit_log_is_read_only_in_the_admin(client, verified_user):
    admin = verified_user
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(with_mfa(admin))
    entry = AuditEntry.objects.create(action="test.action", target_repr="x")
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_password_change_signs_out_other_sessions(client, verified_user, password):
    other_device = Client()
    other_device.force_login(verified_user)
    assert other_device.get(reverse("dashboard")).status_code == 200

    client.force_login(verified_user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": "a-brand-new-password", "password2": "a-brand-new-password"},
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert other_device.get(reverse("dashboard")).status_code == 302


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_who_did_it_survives_the_account(verified_user):
    entry = record(verified_user, "test.action")
    verified_user.delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_repr == verified_user.email


def test_role_changes_from_the_groups_side_are_audited(verified_user):
    Group.objects.get(name=roles.MODERATORS).user_set.add(verified_user)
    entry = AuditEntry.objects.get(action="role.granted", target_id=str(verified_user.pk))
    assert entry.data["roles"] == [roles.MODERATORS]
