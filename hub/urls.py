from django.contrib import admin
from django.urls import include, path

from hub import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("sectors/", include("sectors.urls")),
    path("forums/", include("messaging.board.urls")),
    path("bulletins/", include("messaging.bulletins.urls")),
    path("admin/", admin.site.urls),
]
