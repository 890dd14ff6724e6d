import datetime
import re
import unicodedata

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


# --- People's names ------------------------------------------------------------------------

# Zero-width joiner and non-joiner are format characters (category Cf) that some scripts need
# inside a word: Persian (می‌خواهم), Malayalam, Sinhala, Devanagari conjuncts. They change how
# letters join, never the order in which a name is shown, so they are kept. Every other format
# character is refused: the bidirectional controls (U+202A–U+202E, U+2066–U+2069, the marks
# U+200E, U+200F, U+061C) can make a stored name print reversed on a document, and the rest
# (soft hyphen, zero-width space, word joiner, BOM, tags…) are invisible: two names that look
# the same would differ, and escape the same-name check.
ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})
# Controls (tab, newline…), line and paragraph separators, surrogates, private use and
# unassigned code points have no place in a name either.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def person_name_normalize(value: str) -> str:
    """A name as stored: Unicode NFC (é is one character, however it was typed or pasted:
    a decomposed "é" would otherwise escape the same-name check and sort apart), without
    surrounding spaces."""
    return unicodedata.normalize("NFC", value or "").strip()


def refused_name_characters(value: str) -> list[str]:
    return sorted({char for char in value or ""
                   if unicodedata.category(char) in REFUSED_CATEGORIES
                   and char not in ALLOWED_FORMAT_CHARACTERS})


def validate_person_name(value: str) -> None:
    """Refuse invisible and direction-changing characters in a first or last name (one pass
    over the name)."""
    refused = refused_name_characters(value)
    if refused:
        raise ValidationError(
            _("This name contains invisible or text-direction characters (%(characters)s): "
              "type it again without them."),
            code="name_invisible_characters",
            params={"characters": ", ".join(f"U+{ord(char):04X}" for char in refused)},
        )


# --- Dates ---------------------------------------------------------------------------------

# Dates people type (birth, assessment, entry…): outside this range it is a typo (0202 for
# 2020, 9999 for "unknown"), and a year 1 or 9999 breaks date arithmetic further on.
SANE_DATE_MIN = datetime.date(1900, 1, 1)
SANE_DATE_MAX = datetime.date(2100, 12, 31)


def date_range_check(value, *, low: datetime.date, high: datetime.date) -> None:
    """ValidationError (code date_out_of_range) unless low <= value <= high."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not low <= day <= high:
        raise ValidationError(
            _("Enter a date between %(min)s and %(max)s."), code="date_out_of_range",
            params={"min": low.strftime("%d/%m/%Y"), "max": high.strftime("%d/%m/%Y")},
        )


def validate_sane_date(value) -> None:
    date_range_check(value, low=SANE_DATE_MIN, high=SANE_DATE_MAX)
