"""What every evidence provider takes and gives.

A provider is a function of a Scope (the group, or the year's groups) answering a list of
Evidence: files with their path inside the pack. Providers read; they never write."""

import datetime
import io
from dataclasses import dataclass, field

from django.utils.text import slugify

from lms.core.spreadsheets import SafeCsvWriter


@dataclass(frozen=True)
class Evidence:
    path: str  # relative to the pack's root, "/"-separated
    content: bytes
    title: str


@dataclass
class Scope:
    """What a pack covers: one group (`cohort`), or every group running during `year`."""

    cohorts: list
    cohort: object = None
    year: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    _folders: dict = field(default_factory=dict)

    def folder(self, cohort) -> str:
        """A group's folder name in a year's pack (its slug and id: two groups may share a
        name); empty in a group's own pack."""
        if self.cohort is not None:
            return ""
        if cohort.pk not in self._folders:
            self._folders[cohort.pk] = f"{slugify(cohort.name) or 'groupe'}-{cohort.pk}/"
        return self._folders[cohort.pk]


def csv_bytes(headers, rows) -> bytes:
    """UTF-8 with a BOM and `;`, as every export of the project: cells made inert
    (lms.core.spreadsheets)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def safe_name(text: str) -> str:
    return slugify(text)[:60] or "x"
