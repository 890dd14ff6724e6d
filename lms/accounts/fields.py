"""Form and serializer fields for what people type, the same bounds everywhere."""

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .validators import person_name_normalize, validate_person_name, validate_sane_date


class PersonNameField(forms.CharField):
    """A first or last name: stored in NFC (the same-name check compares what is stored),
    invisible and direction-changing characters refused with a message."""

    default_validators = [validate_person_name]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def to_python(self, value):
        return person_name_normalize(super().to_python(value))


class SaneDateField(serializers.DateField):
    """An API date within SANE_DATE_MIN–SANE_DATE_MAX (1900–2100): year 1 or 9999 is a typo,
    answered with a field error rather than stored."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        try:
            validate_sane_date(day)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return day
