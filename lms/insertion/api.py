def register(router) -> None:
    """Register the insertion viewsets on the project's API router."""
