"""What a decision does after it commits (the open sockets' re-check, the e-mails) never fails the decision: with
the channel layer's Redis down, or any receiver of the sectors signals failing, the lead gets their redirect, the
change is saved and the person concerned still gets their e-mail (issue 14: "a suspension while Redis is down
raises, and the member's decision e-mail is never sent").

The requests run with real commits (transaction=True), so the after-commit steps run inside the request, as in
production, and anything they raise reaches the test client.
"""

import socket

import pytest
from django.core import mail
from django.urls import reverse

from sectors import services
from sectors.models import Membership, OrganisationAdministrator, OrganisationJoinRequest
from sectors.signals import audience_changed, membership_changed
from tests.factories import MembershipFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """Call it once the test's data is set up: from then on the channel layer is the production one, pointed at a
    port where no Redis listens, so every send is refused."""

    def take_it_down() -> None:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [f"redis://127.0.0.1:{_unused_port()}/0"], "prefix": "side-effects-test"},
            }
        }

    return take_it_down


@pytest.fixture
def failing_receiver():
    """Connect a receiver that raises to a sectors signal, and one after it that records what it was sent."""
    connected = []
    heard = []

    def broken(sender, **kwargs):
        raise RuntimeError("a receiver that fails")

    def recorder(sender, **kwargs):
        heard.append(kwargs)

    def connect(signal):
        signal.connect(broken, dispatch_uid="test_side_effects.broken")
        signal.connect(recorder, dispatch_uid="test_side_effects.recorder")
        connected.append(signal)
        return heard

    yield connect
    for signal in connected:
        signal.disconnect(dispatch_uid="test_side_effects.broken")
        signal.disconnect(dispatch_uid="test_side_effects.recorder")


@pytest.fixture
def bank(people, westminster):
    """Banking's organisation, with member B as its administrator (who decides who joins it)."""
    organisation = people.member_b.organisation
    organisation.boroughs.set([westminster])
    OrganisationAdministrator.objects.create(organisation=organisation, user=people.member_b)
    return organisation


def _suspend(client, lead, membership):
    client.force_login(lead)
    return client.post(reverse("sectors:suspend", args=[membership.pk]), {"reason": "Shared a bulletin publicly."})


def _decision_emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_suspension_while_redis_is_down_is_saved_and_emailed(client, people, sector_a, redis_down):
    member = member_of(sector_a)
    membership = Membership.objects.get(user=member, sector=sector_a)
    redis_down()
    response = _suspend(client, people.lead_a, membership)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.SUSPENDED
    assert ["suspended" in message.subject for message in _decision_emails_to(member)] == [True]


def test_an_approval_while_redis_is_down_is_saved_and_emailed(client, people, sector_a, redis_down):
    applicant = UserFactory(verified=True)
    membership = MembershipFactory(user=applicant, sector=sector_a, status=Membership.Status.APPLIED)
    client.force_login(people.lead_a)
    redis_down()
    response = client.post(reverse("sectors:approve", args=[membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    assert ["approved" in message.subject for message in _decision_emails_to(applicant)] == [True]


def test_a_join_approval_while_redis_is_down_is_saved_and_emailed(client, people, bank, redis_down):
    joiner = UserFactory(verified=True)
    services.name_organisation(joiner, organisation_name=bank.name)
    join_request = OrganisationJoinRequest.objects.get(user=joiner)
    client.force_login(people.member_b)
    redis_down()
    response = client.post(reverse("sectors:join_approve", args=[join_request.pk]))
    assert response.status_code == 302
    joiner.refresh_from_db()
    assert joiner.organisation == bank
    assert ["approved" in message.subject for message in _decision_emails_to(joiner)] == [True]


def test_a_failing_membership_receiver_skips_neither_the_email_nor_the_other_receivers(
    client, people, sector_a, failing_receiver
):
    heard = failing_receiver(membership_changed)
    member = member_of(sector_a)
    membership = Membership.objects.get(user=member, sector=sector_a)
    response = _suspend(client, people.lead_a, membership)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.SUSPENDED
    assert [kwargs["membership"].pk for kwargs in heard] == [membership.pk]
    assert len(_decision_emails_to(member)) == 1


def test_a_failing_audience_receiver_skips_neither_the_email_nor_the_other_receivers(
    client, people, bank, failing_receiver
):
    heard = failing_receiver(audience_changed)
    joiner = UserFactory(verified=True)
    services.name_organisation(joiner, organisation_name=bank.name)
    join_request = OrganisationJoinRequest.objects.get(user=joiner)
    client.force_login(people.member_b)
    response = client.post(reverse("sectors:join_approve", args=[join_request.pk]))
    assert response.status_code == 302
    assert [kwargs["user_ids"] for kwargs in heard] == [[joiner.pk]]
    assert len(_decision_emails_to(joiner)) == 1
