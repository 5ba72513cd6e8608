from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from accounts import roles
from dashboard import selectors
from messaging.board import permissions as board_permissions
from messaging.board import selectors as board_selectors
from messaging.bulletins import permissions as bulletin_permissions
from notifications import selectors as notification_selectors
from sectors import permissions as sector_permissions
from sectors import selectors as sector_selectors


class DashboardView(LoginRequiredMixin, TemplateView):
    """What waits for the signed-in user, most pressing first: for a member the bulletins that want reading or
    acknowledging, then active incidents, then forum activity; for an officer their drafts, what is scheduled,
    active incidents and members' replies. A few rows of each, with links to the full lists."""

    template_name = "dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        is_officer = roles.is_officer(user)
        context["is_officer"] = is_officer
        if is_officer:
            context["officer"] = {
                "drafts": selectors.drafts_of(user),
                "scheduled": selectors.scheduled_bulletins(),
                "replies": selectors.unanswered_replies(),
            }
        else:
            memberships = list(sector_selectors.memberships_of(user))
            # The list holds the user's approved sectors too: the permission checks below (and the navigation)
            # need not ask the database again (the page's query bound).
            sector_permissions.remember_approved_sectors(user, memberships)
            context["memberships"] = memberships
            if bulletin_permissions.can_read_bulletins(user):
                context["attention"] = selectors.bulletins_for_attention(user)
        if is_officer or context.get("attention") is not None:
            context["incidents"] = selectors.active_incidents(user)
        if board_permissions.can_use_board(user):
            # After the memberships: the read rule it applies needs no query more (nor does the bell's count).
            context["notifications"] = notification_selectors.latest_unread(user)
            context["recent_threads"] = board_selectors.recent_threads(
                forum_id__in=board_selectors.readable_forums(user).values("pk")
            )
        return context
