"""JSON read from clients, within bounds: a body of at most MAX_BYTES, nested at most MAX_DEPTH
deep. Python's json module recurses once per level: a body of 5,000 "[" raised RecursionError,
a 500, on every JSON endpoint. The depth is measured first by one pass over the text that
counts brackets outside strings, so the parser never recurses further than MAX_DEPTH."""

import codecs
import io
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Our requests are small (a roll call of a few dozen marks, a signature of at most 60 kB of
# path data); a megabyte leaves room and bounds what one request may make the server parse.
MAX_BYTES = 1_000_000
MAX_DEPTH = 32


class JSONTooLarge(ValueError):
    pass


class JSONTooDeep(ValueError):
    pass


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text`, read once, strings skipped (a
    bracket inside a string is text). Malformed text is the parser's business, not this one's:
    this only bounds how deep the parser will go."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def check_json_bounds(text: str, *, max_bytes: int | None = None,
                      max_depth: int | None = None) -> None:
    max_bytes = max_bytes or getattr(settings, "JSON_MAX_BYTES", MAX_BYTES)
    max_depth = max_depth or getattr(settings, "JSON_MAX_DEPTH", MAX_DEPTH)
    if len(text) > max_bytes:
        raise JSONTooLarge(_("The JSON body is larger than %(max)s bytes.") % {"max": max_bytes})
    if json_depth(text) > max_depth:
        raise JSONTooDeep(_("The JSON body is nested more than %(max)s levels deep.")
                          % {"max": max_depth})


def json_loads_bounded(text: str, **kwargs):
    """json.loads, after check_json_bounds: ValueError (JSONTooLarge, JSONTooDeep or
    json.JSONDecodeError) for anything out of bounds or malformed, never RecursionError."""
    check_json_bounds(text)
    return json.loads(text, **kwargs)


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 to a body too large or too deep."""

    def parse(self, stream, media_type=None, parser_context=None):
        max_bytes = getattr(settings, "JSON_MAX_BYTES", MAX_BYTES)
        raw = stream.read(max_bytes + 1) if stream is not None else b""
        if len(raw) > max_bytes:
            raise ParseError(_("The JSON body is larger than %(max)s bytes.")
                             % {"max": max_bytes})
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error
        try:
            check_json_bounds(text, max_bytes=max_bytes)
        except ValueError as error:
            raise ParseError(str(error)) from error
        return super().parse(io.BytesIO(raw), media_type, parser_context)
