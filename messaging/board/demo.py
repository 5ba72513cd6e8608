def run(context: dict) -> None:
    """Demo content for this app (idempotent); context["people"] holds the demo users."""
