def run(context: dict) -> None:
    """Demo organisations and memberships (idempotent); context["people"] holds the demo users."""
