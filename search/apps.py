from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Search across the board and the bulletins: one table of documents kept in step with what they index,
    queried through each app's own read rules."""

    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Importing connects the receivers (not at the top: they need the models of other apps).
        from search import receivers  # noqa: F401
