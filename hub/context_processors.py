from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import roles
from messaging.board.permissions import can_use_board
from messaging.board.selectors import moderation_count
from messaging.bulletins.permissions import can_read_bulletins
from messaging.bulletins.selectors import unanswered_feedback_count, unread_count
from messaging.police_reports.triage_selectors import new_reports_count
from notifications.selectors import unread_count as unread_notifications_count
from sectors import selectors as sector_selectors

SIGNED_OUT = {"is_officer": False, "unread_bulletins": 0, "moderation_count": None, "leads_sectors": False,
              "lead_waiting": 0, "forums": False, "bulletins": False, "waiting": None, "unanswered_replies": 0,
              "new_reports": 0, "notifications_unread": 0}


def navigation(request: HttpRequest) -> dict:
    """What the navigation needs on every page, computed only when a template asks for it.

    ``forums`` and ``bulletins`` say which members' pages the user may open (the links to the others are not
    shown); ``waiting`` is, for someone who may open neither yet, what they wait for and on whom (the nav and
    the 403 page say it); ``lead_waiting`` counts the applications waiting in the sectors a lead decides, and
    ``unanswered_replies`` the members' replies no officer has answered or marked handled yet, ``new_reports``
    the new reports to the police routed to an officer (every new one for an officer who is no borough's SPOC),
    ``notifications_unread`` the number on the bell (forum users; cached: no query on most pages).
    Each is one query at most, whatever the page lists. ``site_url`` is the portal's address for absolute links
    (allauth's e-mails are rendered with the request, so they get it too).
    """

    def compute() -> dict:
        user = request.user
        if not user.is_authenticated:
            return SIGNED_OUT
        moderated = moderation_count(user) if user.is_superuser or roles.is_moderator(user) else None
        leads = user.is_superuser or roles.has_lead_role(user)
        bulletins = can_read_bulletins(user)
        # Whoever reads bulletins uses the Hub forum; anyone else only the forums they moderate (asked only of
        # those holding a scoped role, so the common case costs nothing).
        forums = bulletins or (roles.holds_scoped_permission(user) and can_use_board(user))
        officer = roles.is_officer(user)
        return {"is_officer": officer, "unread_bulletins": unread_count(user) if bulletins else 0,
                "unanswered_replies": unanswered_feedback_count() if officer else 0,
                "new_reports": new_reports_count(user) if officer else 0,
                "moderation_count": moderated, "leads_sectors": leads,
                "lead_waiting": sector_selectors.waiting_for_lead(user) if leads else 0,
                "forums": forums, "bulletins": bulletins,
                "notifications_unread": unread_notifications_count(user) if forums else 0,
                "waiting": None if bulletins or forums else sector_selectors.waiting_on_others(user)}

    return {"nav": SimpleLazyObject(compute), "site_url": settings.SITE_URL}
