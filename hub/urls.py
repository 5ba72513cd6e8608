from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from hub import views

# The admin's own login form would skip allauth's two-factor stage (and its rate limits and audit): send it
# through allauth's login instead.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("dashboard/", include("dashboard.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/profile/", include("accounts.urls")),  # ours, before allauth's accounts/
    path("accounts/preferences/", include("notifications.preference_urls")),  # ours, before allauth's
    path("accounts/", include("allauth.urls")),
    path("sectors/", include("sectors.urls")),
    path("forums/", include("messaging.board.urls")),
    path("bulletins/", include("messaging.bulletins.urls")),
    path("bridge/", include("messaging.bridge.urls")),
    path("checkins/", include("messaging.checkins.urls")),
    path("reports/", include("messaging.police_reports.urls")),
    path("calendar/", include("messaging.feeds.calendar_urls")),
    path("feeds/", include("messaging.feeds.urls")),
    path("search/", include("search.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
]
