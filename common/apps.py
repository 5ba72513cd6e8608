from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Holds the shared template tags (``{% load hub_text %}``); no models."""

    name = "common"
    verbose_name = "Shared helpers"
