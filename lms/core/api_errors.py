"""API errors: out-of-range input that only the database notices is a client error too."""

from django.db import DataError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    # e.g. an id or filter value beyond 64 bits: SQLite raises OverflowError, PostgreSQL a
    # DataError ("out of range"). Neither is the server's fault.
    if isinstance(exc, OverflowError | DataError):
        return Response({"detail": "A value is out of range."},
                        status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
