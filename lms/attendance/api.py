def register(router) -> None:
    """Register the attendance viewsets on the project's API router."""
