"""Finding learners by name, username or email whatever the accents and capitals: the search of
the enrolment forms, and the same-name check of account creation.

Each word searched for is folded (lower case, no accent), then turned into a regular expression
where every letter stands for all its accented and capital forms: “said” finds “Saïd”, “loeuvre”
finds “Lœuvre”, “ndiaye” finds “N’Diaye”. The columns are matched as stored, so that a search is
one query scanning the accounts once, whatever their number; no database extension (unaccent,
pg_trgm) is needed, and SQLite runs the same expressions."""

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat

# Letters of the Latin scripts met in French community centres, by their plain form.
_PLAIN = {
    "a": "àáâãäåāăą", "c": "çćč", "d": "ďđ", "e": "èéêëēėęě", "g": "ğ", "i": "ìíîïīįıİ",
    "l": "łľ", "n": "ñńň", "o": "òóôõöøō", "r": "ř", "s": "śšşș", "t": "ťţț",
    "u": "ùúûüūůű", "y": "ýÿ", "z": "źżž",
}
_LIGATURES = {"oe": "œŒ", "ae": "æÆ", "ss": "ß"}
_APOSTROPHES = "'’ʼ‘`"
# Hyphens read as spaces (Jean-Pierre is found by “jean pierre”); apostrophes vanish (N’Diaye
# is found by “ndiaye”), as in the usernames made up from names.
_TABLE = str.maketrans({
    **{form: plain for plain, letters in _PLAIN.items() for letter in letters
       for form in (letter, letter.upper()) if len(form) == 1},
    **{letter: plain for plain, letters in _LIGATURES.items() for letter in letters},
    "-": " ", **dict.fromkeys(_APOSTROPHES),
})
# Every form of a plain letter, capitals included (SQLite's and some PostgreSQL locales' case
# folding stop at ASCII).
_FORMS = {plain: "".join(dict.fromkeys(plain + plain.upper() + letters + letters.upper()))
          for plain, letters in _PLAIN.items()}
_GAP = f"[{_APOSTROPHES}]?"

MAX_QUERY_LENGTH = 100
MAX_WORDS = 6
MAX_RESULTS = 50


def fold(value: str) -> str:
    """Lower case, without accents, hyphens or apostrophes."""
    return unicodedata.normalize("NFC", value).translate(_TABLE).lower()


def _letter(char: str) -> str:
    return f"[{_FORMS[char]}]" if char in _FORMS else re.escape(char)


def word_pattern(word: str) -> str:
    """A regular expression (the same for PostgreSQL and Python) finding the folded `word` in
    text as typed: any accent or capital, œ/æ/ß for oe/ae/ss, apostrophes between letters."""
    parts, index = [], 0
    while index < len(word):
        pair = word[index:index + 2]
        if pair in _LIGATURES:
            parts.append(f"(?:{_letter(pair[0])}{_letter(pair[1])}|[{_LIGATURES[pair]}])")
            index += 2
        else:
            parts.append(_letter(word[index]))
            index += 1
    return _GAP.join(parts)


def search_words(query: str) -> list[str]:
    return fold(query).split()[:MAX_WORDS]


def learners_matching(query: str, *, exclude=None):
    """Active learners whose first name, last name, username or email contain every word of
    `query`, by name. None when the query has no word."""
    User = get_user_model()
    words = search_words(query)
    if not words:
        return User.objects.none()
    learners = (User.objects.filter(is_active=True, is_learner=True)
                .alias(searched=Concat(F("first_name"), Value(" "), F("last_name"), Value(" "),
                                       F("username"), Value(" "), F("email"),
                                       output_field=CharField())))
    for word in words:
        learners = learners.filter(searched__iregex=word_pattern(word))
    if exclude is not None:
        learners = learners.exclude(pk=exclude.pk)
    return learners.order_by("last_name", "first_name", "username", "pk")


def _name_pattern(name: str) -> str:
    return "^ *" + "[ -]+".join(word_pattern(word) for word in fold(name).split()) + " *$"


def namesakes(*, first_name: str, last_name: str, limit: int = 5) -> list:
    """Active learners with the same first and last names, accents and capitals aside."""
    if not (fold(first_name).split() and fold(last_name).split()):
        return []
    User = get_user_model()
    return list(User.objects.filter(is_active=True, is_learner=True)
                .filter(Q(first_name__iregex=_name_pattern(first_name))
                        & Q(last_name__iregex=_name_pattern(last_name)))
                .order_by("username")[:limit])
