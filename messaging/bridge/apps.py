from django.apps import AppConfig


class BridgeConfig(AppConfig):
    """Bridge Calls: cross-sector conference calls chaired by police, their invitations, roll call and minutes.

    Its own app beside the board and the bulletins because it has its own models, pages and scheduler work, and
    because it builds on the bulletins (an incident or a pre-planning notice; the published summary goes
    through the bulletin publisher) without the bulletins having to know about it."""

    name = "messaging.bridge"
    label = "bridge"
    verbose_name = "Bridge calls"
