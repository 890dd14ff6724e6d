def public_api_only(endpoints, **kwargs):
    """Keep the schema to our API: Wagtail's admin API is internal to the editor."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


# DRF writes and reads times as "14:00" or "14:00:00", without the UTC offset that the
# "time" format of OpenAPI (RFC 3339 full-time) requires: describe what the API really takes.
LOCAL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


def _local_times(node):
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = LOCAL_TIME_PATTERN
            node.setdefault("example", "14:00")
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def local_times(result, **kwargs):
    """Postprocessing hook: times as local wall-clock HH:MM[:SS], not RFC 3339 full-time."""
    _local_times(result)
    return result
