import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# La Poste's establishments share one SIREN; their SIRETs follow a digit-sum rule instead of Luhn.
LA_POSTE_SIREN = "356000000"


def validate_siret(value: str) -> None:
    if not re.fullmatch(r"\d{14}", value or ""):
        raise ValidationError(_("A SIRET has exactly 14 digits."), code="siret_format")
    la_poste_valid = value.startswith(LA_POSTE_SIREN) and sum(int(c) for c in value) % 5 == 0
    if not (luhn_is_valid(value) or la_poste_valid):
        raise ValidationError(_("This SIRET is not valid (check digit)."), code="siret_key")


def validate_nda(value: str) -> None:
    # The provider declaration number is 11 digits; its first two give the region code.
    if not re.fullmatch(r"\d{11}", value or ""):
        raise ValidationError(
            _("A provider declaration number (NDA) has exactly 11 digits."), code="nda_format"
        )
