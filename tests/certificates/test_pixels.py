"""Documents look the same: the pages of an attestation, a certificat de réalisation and an
attendance sheet of fixed content (fixed_documents.py), rasterised with PDFium, against the
reference images of the design under tests/certificates/reference/, within a small tolerance;
and every name comes back exactly from the text.

After an intended change of the design, make the references again (and look at them):
    UPDATE_PIXEL_REFERENCES=1 .venv/bin/pytest tests/certificates/test_pixels.py
"""

import io
import os
from pathlib import Path

import pypdfium2
import pytest
import time_machine
from PIL import Image, ImageChops
from pypdf import PdfReader

from certificates import rendering

from . import fixed_documents

REFERENCE = Path(__file__).resolve().parent / "reference"
DPI = 100
# Mean absolute difference over all pixels (grey levels 0-255), and the share of pixels
# whose difference exceeds DIFFERENT. Anti-aliasing, a hinted glyph or an
# image resampled differently stay below; a heading moved by a pixel (~3.5 % of the page), a
# 1 mm smaller QR code (~0.9 %), a missing image or another font do not. (The QR code printed
# as an unsmoothed PNG rather than an anti-aliased SVG differs on its modules' edges: ≤ 0.18 %.)
MAX_MEAN_DIFFERENCE = 0.5
DIFFERENT = 64
MAX_DIFFERENT_SHARE = 0.0025


def rasterise(pdf: bytes) -> list[Image.Image]:
    """Each page, in grey levels."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
                for page in document]
    finally:
        document.close()


def compare(actual: Image.Image, reference: Image.Image) -> tuple[float, float]:
    """(mean absolute difference, share of differing pixels)."""
    if actual.size != reference.size:
        return 255.0, 1.0
    histogram = ImageChops.difference(actual, reference).histogram()
    pixels = actual.width * actual.height
    mean = sum(value * count for value, count in enumerate(histogram)) / pixels
    return mean, sum(histogram[DIFFERENT + 1:]) / pixels


@pytest.fixture
def fixed_site(settings):
    settings.SITE_URL = fixed_documents.SITE_URL
    with time_machine.travel("2026-06-30 10:00 +0200", tick=False):
        yield


@pytest.mark.parametrize("name", ["attestation", "certificate", "attendance_sheet"])
def test_documents_look_the_same(name, fixed_site, tmp_path):
    document, snapshot = fixed_documents.documents()[name]
    pdf, _sha256 = rendering.render_pdf(document, snapshot, fixed_documents.images())
    # Every name exactly, in every script.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for printed in fixed_documents.NAMES[name]:
        assert printed in text, (printed, text[:300])
    assert document.code in text
    pages = rasterise(pdf)
    if os.environ.get("UPDATE_PIXEL_REFERENCES"):
        REFERENCE.mkdir(exist_ok=True)
        for old in REFERENCE.glob(f"{name}-*.png"):
            old.unlink()
        for number, page in enumerate(pages, 1):
            page.save(REFERENCE / f"{name}-{number}.png", optimize=True)
    references = sorted(REFERENCE.glob(f"{name}-*.png"))
    assert len(pages) == len(references), f"{len(pages)} pages, {len(references)} expected"
    failures = []
    for number, (page, reference_file) in enumerate(zip(pages, references, strict=True), 1):
        with Image.open(reference_file) as reference:
            mean, share = compare(page, reference.convert("L"))
        print(f"{name} page {number}: mean absolute difference {mean:.3f}, "
              f"differing pixels {share:.4%}")
        if mean > MAX_MEAN_DIFFERENCE or share > MAX_DIFFERENT_SHARE:
            page.save(tmp_path / reference_file.name)
            failures.append(
                f"page {number} differs from {reference_file.name}: mean absolute difference "
                f"{mean:.3f} (max {MAX_MEAN_DIFFERENCE}), differing pixels {share:.4%} "
                f"(max {MAX_DIFFERENT_SHARE:.2%}); rendered in {tmp_path / reference_file.name}")
    assert not failures, "\n".join(failures)


def test_the_organisation_images_are_kept_and_nothing_else(fixed_site):
    """The organisation's images are decoded and made into PDF images once per process; what
    each document adds to WeasyPrint's image cache (its QR code, a sheet's signatures) goes
    with it, and a document made from the kept images is the same, byte for byte."""
    images = fixed_documents.images()
    documents = fixed_documents.documents()
    rendering._image_cache = ((), {})
    first, _sha256 = rendering.render_pdf(*documents["attestation"], images)
    kept = dict(rendering._image_cache[1])
    assert kept and set(images.values()) <= set(kept)
    rendering.render_pdf(*documents["attendance_sheet"], images)
    again, _sha256 = rendering.render_pdf(*documents["attestation"], images)
    assert rendering._image_cache[1].keys() == kept.keys()
    assert again == first
    document, snapshot = documents["attestation"]
    assert rendering.html_to_pdf(rendering.document_html(document, snapshot, images)) == first
    # Another logo: made again.
    other = dict(images, logo=rendering.printed_image(fixed_documents.image_files()["stamp"]))
    rendering.render_pdf(*documents["attestation"], other)
    assert other["logo"] in rendering._image_cache[1]
    assert images["logo"] not in rendering._image_cache[1]
