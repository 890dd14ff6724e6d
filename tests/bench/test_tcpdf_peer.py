"""The TCPDF peer of bench/documents.py, without PHP (the tests never install it): the texts
stored for `--peer-only` hold every fact the PHP script prints, and the images handed to
TCPDF's faster route print as Parcours' do on a white page."""

import importlib.util
import io
import json
import re
from pathlib import Path

from PIL import Image

PEERS = Path(__file__).resolve().parents[2] / "bench" / "peers"


def _tcpdf_module():
    spec = importlib.util.spec_from_file_location("bench_peer_tcpdf", PEERS / "tcpdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stored_texts_hold_every_fact_the_script_prints():
    script = (PEERS / "tcpdf_attestation.php").read_text()
    sample = json.loads((PEERS / "attestation-facts.json").read_text())
    # What tcpdf.prepare() adds to the texts (fonts, images, TCPDF's temporary folder), and
    # the font conversion's own request.
    added = {"font_dir", "font_names", "font_files", "cache_dir", "images", "fonts"}
    read = set(re.findall(r"\$facts\['(\w+)'\]", script))
    assert read - added <= set(sample), read - added - set(sample)
    organisation = set(re.findall(r"\$o\['(\w+)'\]", script))
    assert organisation <= set(sample["organisation"])
    assert len(sample["assessment"]) == 6
    assert all(len(row) == 4 for row in sample["assessment"])
    assert "%06d" in sample["code_format"]
    # The learners' scripts: Latin with diacritics, Vietnamese, Cyrillic, Arabic, Chinese.
    names = " ".join(sample["names"])
    for pattern in (r"[éèë]", r"[ịễ]", r"[\u0400-\u04ff]", r"[\u0600-\u06ff]", r"[\u4e00-\u9fff]"):
        assert re.search(pattern, names), pattern


def test_flattened_image_prints_as_on_a_white_page():
    image = Image.new("RGBA", (4, 2), (255, 255, 255, 0))
    image.putpixel((1, 1), (0, 90, 160, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    flat, size = _tcpdf_module().flatten_png(buffer.getvalue())
    result = Image.open(io.BytesIO(flat))
    assert (result.mode, size) == ("RGB", (4, 2))
    assert result.getpixel((0, 0)) == (255, 255, 255)
    assert result.getpixel((1, 1)) == (0, 90, 160)
