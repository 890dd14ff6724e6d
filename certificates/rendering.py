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
from django.utils.html import escape

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
    """The QR code as a PNG, printed unsmoothed (`image-rendering: pixelated` in
    documents.css): the same squares as an SVG, for a few hundred bytes that WeasyPrint embeds
    as they are, where an SVG of a few hundred rectangles is parsed and drawn as vector paths
    on every document (~4 ms). Four pixels per module: a viewer or printer that smooths images
    whatever the PDF says blurs only the edge of each module, and the code still scans."""
    return segno.make(url, error="m").png_data_uri(scale=4, border=0)


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


# The organisation's logo, signature and stamp are the same on every document: WeasyPrint's
# image cache (its `cache` option) is given them ready, made once per process by rendering a
# page of these images alone (again when they change), and each as a _KeptImage, whose PDF
# image object (PNG decoded, alpha channel split, both re-compressed: ~10 ms a document for
# three images) is made once too. Each render gets a copy of that cache, so that what it adds
# (its QR code, a sheet's signatures, which hold on to their whole document) goes with it:
# memory stays flat.
_image_cache: tuple[tuple[str, ...], dict] = ((), {})


class _KeptImage:
    """A WeasyPrint raster image whose PDF image object is made at its first document only;
    each document gets new PDF objects (the writer numbers them) around the same bytes."""

    def __init__(self, image):
        self._image = image
        self._parts = {}

    def __getattr__(self, name):
        return getattr(self._image, name)

    def draw(self, stream, concrete_width, concrete_height, style):
        # The image's own drawing, with this object as the image the PDF writer asks for.
        type(self._image).draw(self, stream, concrete_width, concrete_height, style)

    @staticmethod
    def _bytes(stream) -> bytes:
        return b"".join(getattr(item, "data", item) for item in stream.stream)

    def get_x_object(self, interpolate, dpi_ratio):
        import pydyf

        key = (interpolate, dpi_ratio)
        if key not in self._parts:
            x_object = self._image.get_x_object(interpolate, dpi_ratio)
            extra = dict(x_object.extra)
            mask = extra.pop("SMask", None)
            self._parts[key] = (self._bytes(x_object), extra,
                                mask and (self._bytes(mask), dict(mask.extra)))
        data, extra, mask = self._parts[key]
        extra = pydyf.Dictionary(extra)
        if mask:
            extra["SMask"] = pydyf.Stream([mask[0]], pydyf.Dictionary(mask[1]))
        return pydyf.Stream([data], extra)


def _organisation_images(urls: tuple[str, ...]) -> dict:
    global _image_cache
    if _image_cache[0] != urls:
        from weasyprint.images import RasterImage

        html_class, stylesheet, font_config = _weasyprint()
        cache = {}
        page = "".join(f'<img src="{escape(url)}">' for url in urls)
        html_class(string=page, base_url=str(settings.BASE_DIR)).render(
            stylesheets=[stylesheet], font_config=font_config, cache=cache)
        for url in urls:
            if isinstance(cache.get(url), RasterImage):
                cache[url] = _KeptImage(cache[url])
        _image_cache = (urls, cache)
    return _image_cache[1]


def _write_pdf(html: str, images: tuple[str, ...] = ()) -> bytes:
    html_class, stylesheet, font_config = _weasyprint()
    return html_class(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet], font_config=font_config,
        # A page without the organisation's images (an audit pack's index) leaves them kept.
        cache=dict(_organisation_images(images)) if images else {})


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


def html_to_pdf(html: str, images: tuple[str, ...] = ()) -> bytes:
    """The PDF of `html`; `images`: the URLs of the organisation's images it prints (kept
    decoded from one document to the next)."""
    # The caller waits without using the CPU. If Celery's soft time limit interrupts the wait,
    # the render finishes in its thread and its result is dropped; the hard limit kills the
    # process, thread included.
    return _renderer().submit(_write_pdf, html, images).result()


def render_pdf(document, snapshot: dict, images: dict[str, str]) -> tuple[bytes, str]:
    pdf = html_to_pdf(document_html(document, snapshot, images),
                      tuple(url for url in images.values() if url))
    return pdf, hashlib.sha256(pdf).hexdigest()
