"""HTML → PDF with WeasyPrint. The stylesheet and the font configuration are parsed once per
process and reused for every document: most of a render's cost is there.

WeasyPrint runs at the bottom of a thread of its own. CPython 3.11 keeps Python frames in
16 KiB chunks, maps a new chunk whenever a call crosses into it and unmaps it as soon as that
call returns (python/cpython#142183, fixed in 3.13): WeasyPrint's layout recursion can cross
the same boundary thousands of times per document, each time an mmap, page faults and a
munmap, and how often depends only on how deep the stack already is when it is called. From a
Celery task (on-commit, task tracer, service) that was ~1,400-1,600 page faults and ~10-15 ms
of system time per document; from a fresh thread ~110, whatever the caller."""

import base64
import datetime
import functools
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .enums import DocumentKind

STYLESHEET = Path(__file__).resolve().parent / "pdf" / "documents.css"
TEMPLATES = {
    DocumentKind.ATTESTATION: "certificates/pdf/attestation.html",
    DocumentKind.CERTIFICATE: "certificates/pdf/certificate.html",
    DocumentKind.ATTENDANCE_SHEET: "certificates/pdf/attendance_sheet.html",
}


@functools.cache
def _weasyprint():
    # Imported lazily: WeasyPrint loads Pango at import, which only workers need.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    stylesheet = CSS(filename=str(STYLESHEET), font_config=font_config)
    return HTML, stylesheet, font_config


def verification_url(code: str) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[code])


def printed_image(data: bytes) -> str:
    """An organisation's image (PNG bytes) as the render takes it."""
    return "data:image/png;base64," + base64.b64encode(data).decode()


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG of one pixel per module, printed unsmoothed (`image-rendering:
    pixelated` in documents.css): the same squares as an SVG, for a few hundred bytes that
    WeasyPrint embeds as they are, where an SVG of a few hundred rectangles is parsed and
    drawn as vector paths on every document (~4 ms)."""
    return segno.make(url, error="m").png_data_uri(scale=1, border=0)


def document_html(document, snapshot: dict, images: dict[str, str]) -> str:
    url = verification_url(document.code)
    with translation.override("fr"):
        return render_to_string(TEMPLATES[document.kind], {
            "document": document,
            "s": snapshot,
            "images": images,
            "verify_url": url,
            "qr": qr_data_uri(url),
            "issued_on": datetime.date.fromisoformat(snapshot["issued_on"]),
        })


def _write_pdf(html: str) -> bytes:
    html_class, stylesheet, font_config = _weasyprint()
    return html_class(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet], font_config=font_config)


_render_thread: ThreadPoolExecutor | None = None
_render_thread_lock = threading.Lock()


def _forget_render_thread() -> None:
    # A forked child (a prefork pool process) inherits the executor but not its thread.
    global _render_thread, _render_thread_lock
    _render_thread, _render_thread_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_render_thread)


def _renderer() -> ThreadPoolExecutor:
    """One thread per process, made at the first render (so after a prefork fork). Renders
    asked for by several threads at once queue there: they would share the GIL anyway."""
    global _render_thread
    if _render_thread is None:
        with _render_thread_lock:
            if _render_thread is None:
                _render_thread = ThreadPoolExecutor(max_workers=1,
                                                    thread_name_prefix="weasyprint")
    return _render_thread


def html_to_pdf(html: str) -> bytes:
    # The caller waits without using the CPU. If Celery's soft time limit interrupts the wait,
    # the render finishes in its thread and its result is dropped; the hard limit kills the
    # process, thread included.
    return _renderer().submit(_write_pdf, html).result()


def render_pdf(document, snapshot: dict, images: dict[str, str]) -> tuple[bytes, str]:
    pdf = html_to_pdf(document_html(document, snapshot, images))
    return pdf, hashlib.sha256(pdf).hexdigest()
