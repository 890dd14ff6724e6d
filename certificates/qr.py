"""QR codes for the documents' verification links, with segno.

segno picks the data mask the QR standard asks for (ISO/IEC 18004, 7.8.3: the lowest penalty
of the eight) by applying and scoring each mask module by module in Python: ~3.5 of the ~4 ms
a verification link's code takes, for every document. Forcing one mask instead would be
faster still, but some of the codes it makes then read less well (an OpenCV reader missed up
to 2 % of them, none with the chosen mask). So the same choice is made here, on whole rows at
once: each row is one integer (runs and finder-like patterns are searched in its binary text,
2 × 2 blocks with bit operations) and the eight masks are made once per symbol size. The
scores, hence the mask and the code, are segno's own (tests compare them on many links);
Micro QR codes and a mask given by the caller still go through segno's function.
"""  # noqa: RUF002

import functools
import re

import segno
from segno import encoder

_segno_find_and_apply_best_mask = encoder.find_and_apply_best_mask

_TO_TEXT = bytes.maketrans(b"\x00\x01", b"01")
_TO_MODULES = bytes.maketrans(b"01", b"\x00\x01")
_RUNS = re.compile(r"0{5,}|1{5,}")  # N1: 5 or more modules of one colour in a row
_FINDER_LIKE = "1011101"  # N3: dark, light, 3 dark, light, dark


@functools.cache
def _masks(width: int) -> tuple[tuple[int, ...], ...]:
    """The eight data masks of a symbol of this width: per row, an integer whose bits (the
    first module is the highest bit) are the encoding-region modules the mask inverts."""
    function_matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(function_matrix, width, width)
    encoder.add_alignment_patterns(function_matrix, width, width)
    function_matrix[-8][8] = 0x1  # the dark module
    return tuple(
        tuple(int("".join("1" if function_matrix[i][j] > 0x1 and pattern(i, j) else "0"
                          for j in range(width)), 2) for i in range(width))
        for pattern in encoder.get_data_mask_functions(False)
    )


def _finder_like(text: str, size: int) -> int:
    """N3 of the rows or columns in `text` (lines of `size` modules, each followed by a
    separator), as segno counts it line by line, including its handling of a line's ends."""
    score = 0
    found = text.find(_FINDER_LIKE)
    while found != -1:
        start = found - found % (size + 1)  # of the line
        index, line = found - start, text[start:start + size]
        offset = index + 7
        if (index in (0, size - 7) or "1" not in line[max(index - 4, 0):index]
                or "1" not in line[offset:offset + 4]):
            score += 40
        else:
            offset = index + 4
        found = text.find(_FINDER_LIKE, start + offset)
    return score


def _penalty(rows: list[int], width: int) -> int:
    """segno's mask_scores() summed: N1 + N2 + N3 + N4."""
    texts = [format(row, f"0{width}b") for row in rows]
    text = "|".join(texts) + "|" + "|".join(map("".join, zip(*texts, strict=True)))
    score = sum(len(run) - 2 for run in _RUNS.findall(text))
    score += _finder_like(text, width)
    pairs = (1 << (width - 1)) - 1
    for upper, lower in zip(rows, rows[1:], strict=False):
        same = ~(upper ^ lower) & ~(upper ^ (upper >> 1)) & ~(lower ^ (lower >> 1)) & pairs
        score += 3 * same.bit_count()
    dark = sum(row.bit_count() for row in rows)
    percent = float(dark) / (width ** 2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def find_and_apply_best_mask(matrix, width, height, proposed_mask=None):
    """Drop-in for segno.encoder.find_and_apply_best_mask: the same mask and matrix."""
    if proposed_mask is not None or width != height or width < 21:
        return _segno_find_and_apply_best_mask(matrix, width, height, proposed_mask)
    rows = [int(row.translate(_TO_TEXT), 2) for row in matrix]
    best_score, best_mask, best_rows = None, None, None
    for number, mask in enumerate(_masks(width)):
        masked = [row ^ bits for row, bits in zip(rows, mask, strict=True)]
        score = _penalty(masked, width)
        if best_score is None or score < best_score:
            best_score, best_mask, best_rows = score, number, masked
    return best_mask, tuple(bytearray(format(row, f"0{width}b").encode().translate(_TO_MODULES))
                            for row in best_rows)


# segno's encoder looks the function up in its module at each code: from now on, in this
# process, every QR code (the roll call's too) gets its mask this way, the same mask as before.
encoder.find_and_apply_best_mask = find_and_apply_best_mask


def svg_data_uri(content: str) -> str:
    """The QR code (error correction M) of `content` as an SVG data URI."""
    return segno.make(content, error="m").svg_data_uri(scale=4, border=0)
