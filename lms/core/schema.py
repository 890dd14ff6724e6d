def public_api_only(endpoints, **kwargs):
    """Keep the schema to our API: Wagtail's admin API is internal to the editor."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
