"""Serializer fields every API shares."""

from rest_framework import serializers


class IdField(serializers.PrimaryKeyRelatedField):
    """An id beyond the database's integer range reads as unknown: SQLite would overflow."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except OverflowError:
            self.fail("does_not_exist", pk_value=data)


class ScopedPrimaryKeyField(IdField):
    """An object among those the caller may act on, the queryset the viewset put in the
    serializer context under `scope` (ScopedViewSetMixin.scopes): any other id reads as
    unknown, so the API never tells whether a foreign object exists.

    Subclasses set `scope`, `model` and their `does_not_exist` message."""

    scope: str
    model: type

    def __init__(self, **kwargs):
        # The class-level queryset only types the schema; lookups use the caller's scope.
        super().__init__(queryset=self.model.objects.all(), **kwargs)

    def get_queryset(self):
        return self.context[self.scope]
