"""Bulletins, incidents, deliveries and replies are in the admin for support, read-only: an edit there would
bypass the services (their checks, audit entries, e-mails and live push)."""

import pytest
from django.urls import reverse

from messaging.bulletins import services
from messaging.bulletins.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(officer, audience, sector_a, publish):
    bulletin = publish(title="Road closures", sectors=[sector_a])
    services.leave_feedback(bulletin, user=audience["retail_camden"], body="Thanks")
    services.open_incident(title="Power cut", sectors=[sector_a], boroughs=[], by=officer)
    return bulletin


@pytest.mark.parametrize("model", ["bulletin", "incident", "delivery", "feedback"])
def test_support_can_list_and_view_but_not_add_change_or_delete(client, people, published, model):
    client.force_login(people.admin)
    changelist = client.get(reverse(f"admin:bulletins_{model}_changelist"))
    assert changelist.status_code == 200
    assert client.get(reverse(f"admin:bulletins_{model}_add")).status_code == 403
    obj = changelist.context["cl"].result_list[0]
    page = client.get(reverse(f"admin:bulletins_{model}_change", args=[obj.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # view only
    assert client.post(reverse(f"admin:bulletins_{model}_change", args=[obj.pk]), {}).status_code == 403
    assert client.post(reverse(f"admin:bulletins_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403


def test_the_deliveries_list_reads_a_bounded_number_of_queries(client, people, published,
                                                               django_assert_max_num_queries):
    assert Delivery.objects.count() >= 2
    client.force_login(people.admin)
    client.get(reverse("admin:index"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:bulletins_delivery_changelist")).status_code == 200
