from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from tests.factories import BulletinFactory, officer_user


def publish(*, title: str, body: str = "Expect disruption around Oxford Street from noon.", sectors=(),
            boroughs=(), everyone: bool = False, sensitive: bool = False, incident=None, by=None) -> Bulletin:
    """Compose and publish a bulletin through the real publish service (deliveries, e-mail, live push)."""
    bulletin = BulletinFactory(
        title=title, body=body, author=by or officer_user(), everyone=everyone, incident=incident,
        marking=Bulletin.Marking.OFFICIAL_SENSITIVE if sensitive else Bulletin.Marking.OFFICIAL,
        sectors=list(sectors), boroughs=list(boroughs),
    )
    services.publish_bulletin(bulletin, by=bulletin.author)
    bulletin.refresh_from_db()
    return bulletin
