from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from messaging.board import permissions as board_permissions
from messaging.board import selectors as board_selectors
from sectors import permissions as sector_permissions
from sectors import selectors as sector_selectors


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["memberships"] = sector_selectors.memberships_of(user)
        if board_permissions.can_use_board(user):
            context["recent_threads"] = board_selectors.recent_threads(
                forum_id__in=board_selectors.readable_forums(user).values("pk")
            )
        context["notifications"] = list(board_selectors.unread_notifications(user))
        if sector_permissions.is_sector_lead(user):
            context["pending_applications"] = sector_selectors.pending_application_count(
                sector_permissions.sectors_led(user)
            )
        return context
