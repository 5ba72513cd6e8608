from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The signed-in user's start page: what waits for them across the other apps. No models of its own."""

    name = "dashboard"
