"""Usernames made up for learners who come without one: prénom.nom in ASCII, then prénom.nom2,
prénom.nom3… when taken. The CSV import and the enrolment form both use these."""

import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower

USERNAME_MAX = 150
# Bases are looked up by chunks so that no query exceeds the database's parameter limit.
CHUNK = 500


def _latin_letters(value: str) -> str:
    """The Latin-script letters of `value` (with ASCII), letters of other scripts dropped."""
    return "".join(char for char in unicodedata.normalize("NFC", value)
                   if char.isascii() or "LATIN" in unicodedata.name(char, ""))


def _ascii_slug(value: str) -> str:
    """Transliterated, not stripped: dropping what is not ASCII after NFKD lost the Latin
    letters that have no decomposition (Łukasz → ukasz, Dubœuf → dubuf, Đào → ao). anyascii
    (ISC licence, follows Unicode, already installed with Wagtail) spells them in ASCII:
    ł → l, œ → oe, ß → ss, đ → d, þ → th. Names in another script are not romanised here (an
    Arabic name loses its vowels: فاطمة → ftmh): the email's local part stands in, as before."""
    ascii_only = anyascii(_latin_letters(value)).casefold()
    # Apostrophes join (N’Diaye → ndiaye); spaces and other marks become hyphens.
    ascii_only = re.sub(r"['`]", "", ascii_only)
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def username_base(first_name: str, last_name: str, email: str) -> str:
    """prénom.nom in ASCII; names in another script fall back on the email's local part."""
    parts = [part for part in (_ascii_slug(first_name), _ascii_slug(last_name)) if part]
    base = ".".join(parts) or _ascii_slug(email.partition("@")[0]) or "apprenant"
    return base[: USERNAME_MAX - 6]


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def taken_usernames(bases: Iterable[str]) -> set[str]:
    """The existing usernames (case-folded) that `bases` and their numbered forms could collide
    with: two queries per CHUNK bases, whatever the number of accounts.

    Which bases are taken is a hash look-up; only for those are the suffixed forms searched: a
    prefix search over every base would test each account against each pattern."""
    User = get_user_model()
    taken_bases: set[str] = set()
    for chunk in _chunks(sorted(set(bases))):
        taken_bases.update(User.objects.annotate(folded=Lower("username"))
                           .filter(folded__in=chunk).values_list("folded", flat=True))
    taken = set(taken_bases)
    for chunk in _chunks(sorted(taken_bases)):
        prefixes = Q()
        for base in chunk:
            prefixes |= Q(username__istartswith=base)
        taken.update(name.casefold() for name in
                     User.objects.filter(prefixes).values_list("username", flat=True))
    return taken


def username_pick(base: str, taken: set[str]) -> str:
    """The first of base, base2, base3… not in `taken` (case-folded names), which it joins so
    that the next pick differs."""
    candidate, suffix = base, 1
    while candidate.casefold() in taken:
        suffix += 1
        candidate = f"{base}{suffix}"
    taken.add(candidate.casefold())
    return candidate


def unique_username(*, first_name: str, last_name: str, email: str = "") -> str:
    """A free username for one new learner (two queries at most)."""
    base = username_base(first_name, last_name, email)
    return username_pick(base, taken_usernames([base]))
