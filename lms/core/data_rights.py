"""The shared vocabulary of a person's rights over their data (lms.privacy uses it, and each
app's export and erasure functions): how a record is written into an export, and what an
erased name or text becomes. Infrastructure: it knows no domain app."""

import datetime
from decimal import Decimal

from django.db import transaction

ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME = "Personne", "anonymisée"
ANONYMOUS_NAME = f"{ANONYMOUS_FIRST_NAME} {ANONYMOUS_LAST_NAME}"
ANONYMOUS_USERNAME_PREFIX = "anonyme-"
# Required text fields can't be left empty: they get this marker instead.
ERASED_TEXT = "—"


def json_value(value):
    """A field's value as JSON can hold it (dates as ISO 8601, decimals as strings)."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def who(user) -> str | None:
    """An actor (the staff member who did something) as the export names them."""
    return None if user is None else str(user)


def field_values(obj, names) -> dict:
    return {name: json_value(getattr(obj, name)) for name in names}


def delete_file_on_commit(field_file) -> None:
    """Delete a stored file once the erasure is committed: a rollback must not lose it."""
    if field_file:
        storage, name = field_file.storage, field_file.name
        transaction.on_commit(lambda: storage.delete(name))
