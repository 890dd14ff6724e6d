"""Reading a pack back: its files, its manifest checked by `sha256sum -c`, its index."""

import io
import subprocess
import zipfile
from pathlib import Path

from bs4 import BeautifulSoup

COVERED = [1, 2, 4, 5, 8, 9, 10, 11, 12, 30, 31, 32]


def unzip(pack, into: Path) -> dict[str, bytes]:
    with pack.archive.open("rb") as handle:
        data = handle.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        archive.extractall(into)
        return {name: archive.read(name) for name in archive.namelist()}


def sha256sum_check(folder: Path) -> str:
    result = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def indicators(index_html: bytes) -> dict[str, dict]:
    """Indicator → {"evidence": bool, "files": [paths]} as the index lists them."""
    soup = BeautifulSoup(index_html, "html.parser")
    found = {}
    for section in soup.select("section.indicator"):
        found[section["data-indicator"]] = {
            "evidence": section["data-evidence"] == "yes",
            "files": [a["href"] for a in section.select("a[href]")],
            "title": section.h2.get_text(" ", strip=True),
        }
    return found
