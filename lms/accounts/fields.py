"""Form fields for people's details, the same in every form that sets them."""

from django import forms

from .validators import person_name_normalize, validate_person_name


class PersonNameField(forms.CharField):
    """A first or last name: stored in NFC (the same-name check compares what is stored),
    invisible and direction-changing characters refused with a message."""

    default_validators = [validate_person_name]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def to_python(self, value):
        return person_name_normalize(super().to_python(value))
