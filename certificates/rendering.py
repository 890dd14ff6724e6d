"""HTML → PDF with WeasyPrint. The stylesheet and the font configuration are parsed once per
process and reused for every document: most of a render's cost is there."""

import datetime
import functools
import hashlib
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


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def document_html(document, snapshot: dict) -> str:
    url = verification_url(document.code)
    with translation.override("fr"):
        return render_to_string(TEMPLATES[document.kind], {
            "document": document,
            "s": snapshot,
            "verify_url": url,
            "qr": qr_data_uri(url),
            "issued_on": datetime.date.fromisoformat(snapshot["issued_on"]),
        })


def html_to_pdf(html: str) -> bytes:
    html_class, stylesheet, font_config = _weasyprint()
    return html_class(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet], font_config=font_config)


def render_pdf(document, snapshot: dict) -> tuple[bytes, str]:
    pdf = html_to_pdf(document_html(document, snapshot))
    return pdf, hashlib.sha256(pdf).hexdigest()
