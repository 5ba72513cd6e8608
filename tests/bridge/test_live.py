"""The invitation toast reaches an invitee's open page over the live socket, and never carries the dial-in."""

import pytest
from asgiref.sync import sync_to_async

from messaging.bridge import services
from sectors.models import Sector
from tests.bridge.conftest import appoint, in_future
from tests.factories import member_of, officer_user
from tests.live.helpers import connect, hello

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _setup():
    retail = Sector.objects.get(slug="retail")
    invitee, bystander = member_of(retail, display_name="Rita Retail"), member_of(retail)
    appoint(retail, invitee)
    return retail, invitee, bystander, officer_user()


def _schedule(retail, officer):
    return services.schedule_call(by=officer, sectors=[retail], title="Marathon road closures",
                                  starts_at=in_future(), duration_minutes=60, dial_in="+44 20 7946 0000",
                                  access_pin="123456", chair=officer, capacity=50)


async def test_an_invitee_gets_a_toast_and_a_bystander_does_not():
    retail, invitee, bystander, officer = await sync_to_async(_setup)()
    invitee_socket, bystander_socket = await connect(invitee), await connect(bystander)
    await hello(invitee_socket)
    await hello(bystander_socket)
    call = await sync_to_async(_schedule)(retail, officer)
    message = await invitee_socket.receive_json_from(timeout=3)
    assert message["type"] == "news" and message["toast"] is True
    assert message["subheading"] == "Invitation" and message["title"] == "Marathon road closures"
    assert message["url"] == call.get_absolute_url()
    assert "123456" not in str(message) and "7946" not in str(message)
    assert await bystander_socket.receive_nothing(timeout=0.5)
    await invitee_socket.disconnect()
    await bystander_socket.disconnect()
