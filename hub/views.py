from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from accounts import roles
from hub.health import run_checks
from messaging.board import permissions as board_permissions
from messaging.board import selectors as board_selectors


class HomeView(TemplateView):
    """The public landing page; signed-in users go straight to their dashboard."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("dashboard")
        return super().get(request, *args, **kwargs)


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        from sectors.models import Membership
        from sectors.selectors import memberships_of

        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["memberships"] = memberships_of(user)
        if board_permissions.can_use_board(user):
            context["recent_threads"] = board_selectors.recent_threads(
                forum_id__in=board_permissions.readable_forums(user).values("pk")
            )
        context["notifications"] = list(board_selectors.unread_notifications(user))
        if roles.is_sector_lead(user):
            context["pending_applications"] = Membership.objects.pending().filter(
                sector__in=roles.sectors_led(user)
            ).count()
        return context


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    healthy = all(outcome == "ok" for outcome in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
