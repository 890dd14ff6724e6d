"""API errors, answered in one place: the services raise Django's exceptions, which this
handler turns into DRF answers, so no viewset wraps its calls (HackSoft's styleguide).

- `ValidationError` → 400 with field errors. An error not tied to a field goes on the input it
  is about when the viewset names one for the action (`service_error_fields`); an item's field
  named "marks[2].status" is nested as DRF nests a list's errors, {"marks": {2: {"status"}}}.
- `PermissionDenied` → 403 with the service's message (DRF alone would drop it).
- `ObjectDoesNotExist` → 404.
- `IntegrityError` → 400 with the viewset's `conflict_message`, when it has one: a concurrent
  write won the race, or a database trigger refused the change.
- A value beyond the database's range → 400."""

import re

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

_LIST_ITEM_KEY = re.compile(r"^(?P<field>\w+)\[(?P<index>\d+)\]\.(?P<item_field>\w+)$")


def service_error_detail(error: DjangoValidationError, *, field: str | None = None) -> dict:
    """A service's ValidationError as DRF's error detail (see the module's docstring)."""
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    detail: dict = {}
    for key, messages in as_serializer_error(error).items():
        match = _LIST_ITEM_KEY.match(key)
        if match is not None:
            items = detail.setdefault(match["field"], {})
            items.setdefault(int(match["index"]), {})[match["item_field"]] = messages
        elif key == non_field and field:
            detail.setdefault(field, []).extend(messages)
        else:
            detail.setdefault(key, []).extend(messages)
    return detail


def _api_exception(exc, view):
    if isinstance(exc, DjangoValidationError):
        action = getattr(view, "action", None)
        field = getattr(view, "service_error_fields", {}).get(action)
        return exceptions.ValidationError(service_error_detail(exc, field=field))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, IntegrityError) and getattr(view, "conflict_message", None):
        return exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [str(view.conflict_message)]})
    return exc


def exception_handler(exc, context):
    # e.g. an id or filter value beyond 64 bits: SQLite raises OverflowError, PostgreSQL a
    # DataError ("out of range"). Neither is the server's fault.
    if isinstance(exc, OverflowError | DataError):
        return Response({"detail": "A value is out of range."},
                        status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(_api_exception(exc, context.get("view")), context)
