"""Drawn signatures arrive as SVG path data; the SVG itself is built here so that no markup
from the client is ever stored or rendered."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_POINT = r"(?:[\s,]*-?\d+(?:\.\d+)?){2}"
# Only absolute or relative move-to and line-to commands with numbers: nothing else to render.
PATH_DATA = re.compile(rf"^[MLml]{_POINT}(?:[\s,]*[MLml]?{_POINT})*$")
MAX_STROKES, MAX_LENGTH = 200, 60_000
VIEWBOX = "0 0 600 200"


def signature_svg(strokes: list[str]) -> str:
    if not isinstance(strokes, list) or not strokes:
        raise ValidationError(_("The signature is empty."))
    if len(strokes) > MAX_STROKES or sum(len(str(s)) for s in strokes) > MAX_LENGTH:
        raise ValidationError(_("The signature is too large."))
    for stroke in strokes:
        if not isinstance(stroke, str) or not PATH_DATA.match(stroke.strip()):
            raise ValidationError(_("The signature is not valid drawing data."))
    paths = "".join(f'<path d="{stroke.strip()}"/>' for stroke in strokes)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{VIEWBOX}" fill="none" '
            f'stroke="#000" stroke-width="3" stroke-linecap="round" '
            f'stroke-linejoin="round">{paths}</svg>')
