"""The pack's files: the evidence, an index (HTML and PDF) mapping each indicator to its
files, and a SHA256SUMS manifest that `sha256sum -c` accepts, zipped."""

import hashlib
import re
import zipfile
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone, translation

from certificates.rendering import html_to_pdf
from lms.accounts.models import Organisation

from .providers import INDICATORS
from .providers.base import Evidence

MANIFEST = "SHA256SUMS"
INDEX_HTML, INDEX_PDF = "index.html", "index.pdf"
# Paths sha256sum reads back as written: no backslash, newline or leading "./" games.
_UNSAFE = re.compile(r"[^A-Za-z0-9._/-]+")


def clean_path(path: str) -> str:
    parts = [_UNSAFE.sub("-", part).strip(".-") or "x" for part in path.split("/") if part]
    return "/".join(parts) or "x"


@dataclass
class Listed:
    path: str
    title: str
    size: int
    sha256: str


@dataclass
class Section:
    number: int | None
    title: str
    files: list[Listed] = field(default_factory=list)


def sections_of(scope, found: dict) -> tuple[list[Section], dict[str, Evidence]]:
    """Each indicator with its files (`found`: provider → its evidence), and the files by
    path (a path given twice keeps its first content)."""
    files: dict[str, Evidence] = {}
    listed: dict[str, Listed] = {}
    sections = []
    for indicator in INDICATORS:
        if indicator.year_only and scope.year is None:
            continue
        section = Section(indicator.number, str(indicator.title))
        for provider in indicator.providers:
            for evidence in found.get(provider, []):
                path = clean_path(evidence.path)
                if path not in files:
                    files[path] = evidence
                    listed[path] = Listed(path, evidence.title, len(evidence.content),
                                          hashlib.sha256(evidence.content).hexdigest())
                if listed[path] not in section.files:
                    section.files.append(listed[path])
        sections.append(section)
    return sections, files


def index_html(pack, scope, sections) -> str:
    with translation.override("fr"):
        return render_to_string("auditpack/index.html", {
            "pack": pack, "scope": scope, "sections": sections,
            "organisation": Organisation.load(), "made_at": timezone.localtime(),
            "gaps": [s for s in sections if not s.files],
        })


def manifest(entries: dict[str, bytes]) -> bytes:
    """`sha256sum` format: the hash, two spaces, the path relative to the pack's root."""
    lines = [f"{hashlib.sha256(content).hexdigest()}  {path}\n"
             for path, content in sorted(entries.items())]
    return "".join(lines).encode("utf-8")


def write_zip(pack, scope, found: dict, output) -> list:
    """Write the ZIP into the open file `output` (left at its start); the indicator numbers
    without evidence."""
    sections, files = sections_of(scope, found)
    html = index_html(pack, scope, sections)
    entries = {INDEX_HTML: html.encode("utf-8"), INDEX_PDF: html_to_pdf(html)}
    entries.update({path: evidence.content for path, evidence in files.items()})
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in (INDEX_HTML, INDEX_PDF, *sorted(files)):
            archive.writestr(path, entries[path])
        archive.writestr(MANIFEST, manifest(entries))
    output.seek(0)
    gaps = [section.number for section in sections if not section.files]
    return gaps
