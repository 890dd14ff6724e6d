"""Drawn signatures arrive as SVG path data; the SVG itself is built here so that no markup
from the client is ever stored or rendered.

The path data is checked by a hand-written scanner that reads each character once: a regular
expression with a repeated group of optional separators and numbers backtracks exponentially
on a stroke such as "M" followed by a run of digits and a stray letter (28 bytes held a worker
for seconds). Numbers are read greedily, as an SVG renderer reads them, so what is accepted is
what is drawn."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Only absolute or relative move-to and line-to commands with numbers: nothing else to render.
COMMANDS = frozenset("MLml")
SEPARATORS = frozenset(" \t\n\r\f,")
DIGITS = frozenset("0123456789")
MAX_STROKES, MAX_LENGTH = 200, 60_000
VIEWBOX = "0 0 600 200"


def _skip_separators(text: str, index: int) -> int:
    while index < len(text) and text[index] in SEPARATORS:
        index += 1
    return index


def _skip_number(text: str, index: int) -> int | None:
    """The index after one number (-?digits(.digits)?) starting at `index`, or None."""
    if index < len(text) and text[index] == "-":
        index += 1
    start = index
    while index < len(text) and text[index] in DIGITS:
        index += 1
    if index == start:
        return None
    if index < len(text) and text[index] == ".":
        index += 1
        fraction = index
        while index < len(text) and text[index] in DIGITS:
            index += 1
        if index == fraction:
            return None
    return index


def path_data_is_valid(text: str) -> bool:
    """Whether `text` is a command M/L/m/l then pairs of numbers, each pair optionally led by
    another command. Linear in the length of `text`."""
    if not text or text[0] not in COMMANDS:
        return False
    index = 1
    while True:
        for _coordinate in range(2):
            index = _skip_number(text, _skip_separators(text, index))
            if index is None:
                return False
        index = _skip_separators(text, index)
        if index == len(text):
            return True
        if text[index] in COMMANDS:
            index += 1


def signature_svg(strokes: list[str]) -> str:
    if not isinstance(strokes, list) or not strokes:
        raise ValidationError(_("The signature is empty."))
    if len(strokes) > MAX_STROKES or sum(len(str(s)) for s in strokes) > MAX_LENGTH:
        raise ValidationError(_("The signature is too large."))
    for stroke in strokes:
        if not isinstance(stroke, str) or not path_data_is_valid(stroke.strip()):
            raise ValidationError(_("The signature is not valid drawing data."))
    paths = "".join(f'<path d="{stroke.strip()}"/>' for stroke in strokes)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{VIEWBOX}" fill="none" '
            f'stroke="#000" stroke-width="3" stroke-linecap="round" '
            f'stroke-linejoin="round">{paths}</svg>')
