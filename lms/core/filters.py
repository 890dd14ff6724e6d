"""Filters shared by the API of every app."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object's id in a query string: a whole number, never a decimal such as "1.5"."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        # Out of the database's integer range is a 400, not an overflow in the query.
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
