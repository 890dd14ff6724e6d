"""Cells written to CSV and XLSX exports, made inert.

A spreadsheet runs a cell whose text starts with = + - @ (and, after a tab or a carriage
return, whatever follows) as a formula: a learner named =HYPERLINK(…) would become a live link,
or worse, on the desk of whoever opens the export. Every CSV and XLSX export of the project
writes its cells through this module, which follows OWASP's rule ("CSV injection"): text
starting with one of those characters is prefixed with a single quote, shown as written.

Numbers (int, float, Decimal) and dates stay what they are: a negative number is a value, not
a formula; only text is neutralised."""

import csv
from collections.abc import Iterable

from django.utils.functional import Promise

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value`, with a quote before it when it is text a spreadsheet would run."""
    if isinstance(value, Promise):  # a lazy translation is text too
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """csv.writer whose rows go through safe_row; the exports' dialect (`;`, CRLF) by default,
    what a French Excel opens without a wizard."""

    def __init__(self, buffer, *, delimiter: str = ";", lineterminator: str = "\r\n"):
        self._writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)

    def writerow(self, values: Iterable) -> None:
        self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for values in rows:
            self.writerow(values)


def _xlsx_text(value):
    """Text without the control characters XLSX can't hold (a vertical tab pasted from a word
    processor into a comment): openpyxl refuses the whole workbook for one of them, and an
    export that fails on a row of an insert-only audit trail would fail for good."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_append(worksheet, values: Iterable) -> None:
    """Append a row of inert cells to an openpyxl worksheet.

    openpyxl stores any text starting with "=" as a formula; after safe_cell none does, and the
    cells are still told they hold a string, so that no later change of openpyxl's rule can
    turn our data into a formula."""
    worksheet.append([_xlsx_text(value) for value in safe_row(values)])
    for cell in worksheet[worksheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"
