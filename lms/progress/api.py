def register(router) -> None:
    """Register the progress viewsets on the project's API router."""
