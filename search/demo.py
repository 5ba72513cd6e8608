from search import indexing


def run(context: dict) -> None:
    """The demo's last step: whatever the other steps wrote without signals (bulk inserts) becomes searchable."""
    indexing.reindex()
