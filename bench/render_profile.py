"""Where a document's render goes: CPU time per document of `rendering.render_pdf` (template, QR
code, WeasyPrint in its thread), WeasyPrint's phases, and a cProfile of the render, on the
fixed documents of the pixel test (tests/certificates/fixed_documents.py). No database.

    .venv/bin/python bench/render_profile.py [--docs 30] [--kind attestation] [--top 25]
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.local")


def setup() -> None:
    import django

    django.setup()
    from django.conf import settings

    from tests.certificates import fixed_documents

    settings.SITE_URL = fixed_documents.SITE_URL


def cpu_ms_per_document(kind: str, docs: int) -> tuple[float, float, int]:
    """(median CPU ms of render_pdf over `docs` renders after 5 warm-up ones, the same in
    wall ms, PDF bytes). CPU time of the whole process: WeasyPrint's thread included."""
    from certificates import rendering
    from tests.certificates import fixed_documents

    document, snapshot = fixed_documents.documents()[kind]
    images = fixed_documents.images()
    cpu, wall = [], []
    size = 0
    for index in range(docs + 5):
        started_cpu, started = time.process_time(), time.perf_counter()
        pdf, _sha256 = rendering.render_pdf(document, snapshot, images)
        if index >= 5:
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        size = len(pdf)
    return statistics.median(cpu), statistics.median(wall), size


# WeasyPrint's phases, by the function that does each (cumulative time, per render).
PHASES = [
    ("HTML parse (tinyhtml5)", "weasyprint/__init__.py", "__init__"),
    ("style: cascade, computed values", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("boxes: formatting structure", "weasyprint/formatting_structure/build.py",
     "build_formatting_structure"),
    ("layout", "weasyprint/layout/__init__.py", "layout_document"),
    ("draw (pages to PDF streams)", "weasyprint/document.py", "write_pdf"),
    ("  fonts: subsetting and embedding", "weasyprint/pdf/fonts.py", "build_fonts_dictionary"),
    ("  images: decoding, re-encoding", "weasyprint/images.py", "get_x_object"),
    ("  SVG (QR code)", "weasyprint/svg/__init__.py", "draw"),
    ("  PDF serialisation and compression", "pydyf/__init__.py", "write"),
    ("image loading (data URIs, Pillow)", "weasyprint/images.py", "get_image_from_uri"),
    ("Django template", "certificates/rendering.py", "document_html"),
    ("QR code (segno)", "certificates/rendering.py", "qr_data_uri"),
]


def phases(kind: str, docs: int) -> dict[str, float]:
    """Median CPU ms of each step of a render, unprofiled: template and QR code, WeasyPrint's
    HTML parsing, render() (style, boxes, layout) and write_pdf() (drawing, fonts, images,
    PDF serialisation), in the render thread as rendering._write_pdf runs them."""
    from django.conf import settings

    from certificates import rendering
    from tests.certificates import fixed_documents

    document, snapshot = fixed_documents.documents()[kind]
    images = fixed_documents.images()
    kept = tuple(url for url in images.values() if url)
    html_class, stylesheet, font_config = rendering._weasyprint()

    def one() -> list[float]:
        marks = [time.process_time()]
        html = rendering.document_html(document, snapshot, images)
        marks.append(time.process_time())
        parsed = html_class(string=html, base_url=str(settings.BASE_DIR))
        marks.append(time.process_time())
        rendered = parsed.render(stylesheets=[stylesheet], font_config=font_config,
                                 cache=dict(rendering._organisation_images(kept)))
        marks.append(time.process_time())
        rendered.write_pdf()
        marks.append(time.process_time())
        return [(after - before) * 1000 for before, after in zip(marks, marks[1:], strict=False)]

    samples = [rendering._renderer().submit(one).result() for _ in range(docs + 5)][5:]
    names = ["template and QR code", "HTML parse", "style, boxes, layout (render)",
             "draw, fonts, images, PDF (write_pdf)"]
    columns = zip(*samples, strict=True)
    return {name: statistics.median(values)
            for name, values in zip(names, columns, strict=True)}


def profile(kind: str, docs: int, top: int) -> str:
    from certificates import rendering
    from tests.certificates import fixed_documents

    document, snapshot = fixed_documents.documents()[kind]
    profiler = cProfile.Profile()

    def render_all():
        profiler.enable()
        images = fixed_documents.images()
        kept = tuple(url for url in images.values() if url)
        for _ in range(docs):
            rendering._write_pdf(rendering.document_html(document, snapshot, images), kept)
        profiler.disable()

    rendering.render_pdf(document, snapshot, fixed_documents.images())  # warm-up
    rendering._renderer().submit(render_all).result()
    stats = pstats.Stats(profiler)
    total = stats.total_tt * 1000 / docs
    lines = [f"cProfile, {docs} renders of the {kind}: {total:.1f} ms per render "
             "(profiled: ~1.5-2x the real time)", "", "| phase | ms | share |", "|---|---|---|"]
    for label, file, function, *alternative in PHASES:
        cumulative = 0.0
        for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if path.endswith(file) and name in (function, *alternative):
                cumulative = max(cumulative, ct)
        ms = cumulative * 1000 / docs
        lines.append(f"| {label} | {ms:.1f} | {ms / total:.0%} |")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return "\n".join(lines) + "\n\nTop own time:\n" + out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=30)
    parser.add_argument("--kind", default="attestation",
                        choices=["attestation", "certificate", "attendance_sheet"])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    options = parser.parse_args()
    setup()
    cpu, wall, size = cpu_ms_per_document(options.kind, options.docs)
    print(f"render_cpu_ms_per_document: {cpu:.1f}")
    print(f"render_wall_ms_per_document: {wall:.1f}")
    print(f"pdf_bytes: {size}")
    for name, ms in phases(options.kind, options.docs).items():
        print(f"phase {name}: {ms:.1f} ms")
    if not options.no_profile:
        print(profile(options.kind, min(options.docs, 20), options.top))


if __name__ == "__main__":
    main()
