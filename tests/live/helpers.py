from django.contrib.auth.models import Group

from accounts import roles
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from tests.factories import UserFactory


def officer():
    user = UserFactory(verified=True)
    user.groups.add(Group.objects.get(name=roles.OFFICERS))
    return user


def publish(*, title: str, body: str = "Expect disruption around Oxford Street from noon.", sectors=(),
            boroughs=(), everyone: bool = False, sensitive: bool = False, incident=None, by=None) -> Bulletin:
    """Compose and publish a bulletin through the real publish service (deliveries, e-mail, live push)."""
    bulletin = Bulletin.objects.create(
        title=title, body=body, author=by or officer(), everyone=everyone, incident=incident,
        marking=Bulletin.Marking.OFFICIAL_SENSITIVE if sensitive else Bulletin.Marking.OFFICIAL,
    )
    bulletin.sectors.set(sectors)
    bulletin.boroughs.set(boroughs)
    services.publish_bulletin(bulletin, by=bulletin.author)
    bulletin.refresh_from_db()
    return bulletin
