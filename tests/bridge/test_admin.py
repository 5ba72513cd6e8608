"""Bridge calls in the admin: support can look them up, with their invitations; nothing is edited there."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_shows_calls_read_only(client, people, schedule, sector_a, reps):
    call = schedule(sectors=[sector_a])
    client.force_login(people.admin)
    assert call.title in client.get(reverse("admin:bridge_bridgecall_changelist")).content.decode()
    page = client.get(reverse("admin:bridge_bridgecall_change", args=[call.pk])).content.decode()
    assert "Rita Retail" in page
    assert client.get(reverse("admin:bridge_bridgecall_add")).status_code == 403
