"""The TCPDF peer of bench/documents.py: Parcours' attestation made by TCPDF (PHP), measured
in the same run. No Django here: the bench hands over the facts and the images.

    facts = tcpdf.prepare(work_dir, base_facts, images)   # fonts converted once, cached
    run = tcpdf.measure(facts, docs=200, processes=2)
    exact, wrong = tcpdf.names_back(run["out_dir"], names)

See bench/README.md ("The TCPDF peer")."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPT = HERE / "tcpdf_attestation.php"
INSTALL = ROOT / "scripts" / "install-bench-deps.sh"
TCPDF = Path(os.environ.get("TCPDF_PATH", "/usr/share/php/tcpdf/tcpdf.php"))
# PHP as php-fpm runs it in production: OPcache compiles TCPDF and the font definitions once
# per process (the CLI leaves it off by default).
PHP_OPTIONS = ["-d", "opcache.enable_cli=1", "-d", "memory_limit=512M"]
# The fonts of certificates/pdf/documents.css as fontconfig resolves them for what the
# attestation prints: Noto Sans for Latin, Vietnamese and Cyrillic, the first family of the
# list covering Arabic (Noto Sans Arabic) and Chinese (Noto Sans CJK SC) for names; names are
# bold.
FONTS = {
    "regular": "Noto Sans",
    "bold": "Noto Sans:bold",
    "arabic_bold": "Noto Sans Arabic:bold",
    "cjk_bold": "Noto Sans CJK SC:bold",
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "parcours-bench"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def missing() -> str:
    """Why the peer can't run here ("" when it can)."""
    if shutil.which("php") is None:
        return "php not found"
    if not TCPDF.is_file():
        return f"TCPDF not found at {TCPDF}"
    gd = subprocess.run(["php", "-r", "exit(function_exists('imagecreatefrompng') ? 0 : 1);"],
                        capture_output=True)
    if gd.returncode:
        return "PHP's GD extension missing (TCPDF needs it for PNG images with transparency)"
    return ""


def ensure_installed() -> str:
    """Install PHP and Debian's php-tcpdf when missing and possible; "" or why not."""
    if missing() and INSTALL.is_file():
        log("installing the peer's packages (scripts/install-bench-deps.sh)")
        subprocess.run([str(INSTALL)], check=False)
    return missing()


def php_version() -> str:
    out = subprocess.run(["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True)
    return out.stdout.strip()


def tcpdf_version() -> str:
    text = TCPDF.read_text(errors="replace")
    marker = "// Version     : "
    start = text.find(marker)
    return text[start + len(marker):text.find("\n", start)].strip() if start >= 0 else "?"


# Fonts -------------------------------------------------------------------------------------

def font_file(pattern: str) -> Path:
    out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", pattern], capture_output=True,
                         text=True, check=True)
    file, index = out.stdout.split("\n")
    return Path(file), int(index or 0)


def _truetype(path: Path, index: int, cache: Path) -> Path:
    """A TrueType (glyf) copy of an OpenType/CFF face (Noto Sans CJK ships as a .ttc of CFF
    fonts, which TCPDF can't read): same glyphs, metrics and cmap, quadratic outlines
    (fontTools' cu2qu, 1 unit tolerance). ~1½ minutes for the CJK face; cached."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(path), fontNumber=index)
    if "glyf" in font:
        if path.suffix.lower() == ".ttf":
            return path
    else:
        log(f"converting {path.name} #{index} from CFF to TrueType outlines for TCPDF "
            "(once, cached)")
        order = font.getGlyphOrder()
        glyph_set = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(None)
            glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf[name] = pen.glyph()
        font["loca"] = newTable("loca")
        font["glyf"] = glyf
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                      "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                      "maxComponentElements"):
            setattr(maxp, field, 0)
        maxp.maxZones = 1
        font["head"].glyphDataFormat = 0
        font["post"].formatType = 3.0
        font.sfntVersion = "\x00\x01\x00\x00"
    family = font["name"].getDebugName(6) or path.stem
    target = cache / f"{family}.ttf"
    font.save(str(target))
    return target


def truetype_fonts() -> dict[str, Path]:
    """{role: TrueType file}, the CFF ones converted into the cache."""
    cache = CACHE / "ttf"
    cache.mkdir(parents=True, exist_ok=True)
    files = {}
    for role, pattern in FONTS.items():
        path, index = font_file(pattern)
        if path.suffix.lower() == ".ttf":
            files[role] = path
            continue
        stat = path.stat()
        key = hashlib.sha256(f"{path}:{index}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        marker = cache / f"{key.hexdigest()[:16]}.path"
        if marker.is_file() and Path(marker.read_text()).is_file():
            files[role] = Path(marker.read_text())
            continue
        files[role] = _truetype(path, index, cache)
        marker.write_text(str(files[role]))
    return files


def tcpdf_fonts(files: dict[str, Path]) -> tuple[Path, dict[str, str]]:
    """TCPDF's own format of the fonts (addTTFfont: metrics, widths, compressed font file),
    made once per set of font files and TCPDF version, as an administrator installs them."""
    key = hashlib.sha256(json.dumps(
        [tcpdf_version(), {role: [str(path), path.stat().st_size, path.stat().st_mtime_ns]
                           for role, path in sorted(files.items())}]).encode()).hexdigest()
    folder = CACHE / "tcpdf-fonts" / key[:16]
    names_file = folder / "names.json"
    if names_file.is_file():
        return folder, json.loads(names_file.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    request = folder / "fonts-request.json"
    request.write_text(json.dumps({"font_dir": str(folder),
                                   "fonts": {role: str(path) for role, path in files.items()}}))
    log("converting the fonts to TCPDF's format (once, cached)")
    out = subprocess.run(["php", *PHP_OPTIONS, str(SCRIPT), "fonts", str(request)],
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"TCPDF font conversion failed: {out.stderr.strip()}")
    names = json.loads(out.stdout.strip().splitlines()[-1])
    # TCPDF's constructor loads its default core font (Helvetica, not embedded) from the
    # same folder.
    for core in (TCPDF.parent / "fonts").glob("helvetica*.php"):
        if not (folder / core.name).exists():
            (folder / core.name).symlink_to(core)
    names_file.write_text(json.dumps(names))
    return folder, names


# Images and facts --------------------------------------------------------------------------

def flatten_png(data: bytes) -> tuple[bytes, tuple[int, int]]:
    """The image as it prints on the white page, without its alpha channel: TCPDF embeds an
    RGB PNG's data as it is, while it splits an alpha one into colour and mask through GD,
    pixel by pixel in PHP, for every document."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(white, image).convert("RGB")
    buffer = io.BytesIO()
    flat.save(buffer, "PNG")
    return buffer.getvalue(), flat.size


def prepare(work_dir: Path, base_facts: dict, images: dict[str, bytes],
            alpha: bool = False) -> Path:
    """Write the facts file the PHP script reads: the attestation's texts (base_facts), the
    images (PNG bytes of logo, signature, stamp; flattened on white unless `alpha`) and the
    converted fonts."""
    files = truetype_fonts()
    font_dir, names = tcpdf_fonts(files)
    cache = work_dir / "tcpdf-cache"
    cache.mkdir(exist_ok=True)
    facts = dict(base_facts, font_dir=str(font_dir), font_names=names, cache_dir=str(cache),
                 font_files={role: str(path) for role, path in files.items()})
    facts["images"] = {}
    suffix = "-alpha" if alpha else ""
    for name, data in images.items():
        flat, size = flatten_png(data)
        path = work_dir / f"{name}{suffix}.png"
        path.write_bytes(data if alpha else flat)
        facts["images"][name] = str(path)
        facts["images"][f"{name}_size"] = list(size)
    path = work_dir / f"facts{suffix}.json"
    path.write_text(json.dumps(facts, ensure_ascii=False, indent=1))
    return path


# Measure -----------------------------------------------------------------------------------

def measure(facts: Path, docs: int, processes: int, warm: int = 10) -> dict:
    """`processes` PHP processes make `docs` documents between them, each in a loop (fonts
    loaded once per process), each PDF written to a file. Each process makes `warm`
    documents first and waits; the clock runs from the moment all are told to go until the
    last one exits."""
    out_dir = Path(tempfile.mkdtemp(prefix=f"tcpdf-{processes}p-", dir=facts.parent))
    share, extra = divmod(docs, processes)
    first, children = 0, []
    for number in range(processes):
        count = share + (1 if number < extra else 0)
        children.append(subprocess.Popen(
            ["php", *PHP_OPTIONS, str(SCRIPT), "run", str(facts), str(out_dir), str(first),
             str(count), str(warm)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        first += count
    for child in children:
        line = child.stdout.readline().strip()
        if line != "ready":
            for other in children:
                other.kill()
            raise RuntimeError(f"TCPDF peer did not start: {line!r}")
    started = time.perf_counter()
    busy = _host_busy_s()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.close()
    results = []
    for child in children:
        output = child.stdout.read()
        if child.wait():
            raise RuntimeError(f"TCPDF peer failed (exit {child.returncode})")
        results.append(json.loads(output.strip().splitlines()[-1]))
    elapsed = time.perf_counter() - started
    cores = (_host_busy_s() - busy) / elapsed
    cpu = sum(result["cpu_s"] for result in results)
    made = sorted(out_dir.glob("tcpdf-*.pdf"))
    if len(made) != docs:
        raise RuntimeError(f"TCPDF peer wrote {len(made)} of {docs} documents")
    return {"docs_per_s": docs / elapsed, "seconds": elapsed, "cpu_ms_per_doc": cpu / docs * 1000,
            "busy_cores": cores, "other_cores": max(0.0, cores - cpu / elapsed),
            "peak_mb": max(result["peak_mb"] for result in results),
            "bytes_per_doc": sum(path.stat().st_size for path in made) / docs,
            "out_dir": out_dir}


def _host_busy_s() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def names_back(out_dir: Path, names: list[str]) -> tuple[int, list[str]]:
    """(how many names come back exactly from the text of a TCPDF document, the others):
    document i is learner names[i % len(names)]."""
    from pypdf import PdfReader

    wrong = []
    for index, name in enumerate(names):
        path = out_dir / f"tcpdf-{index:06d}.pdf"
        if not path.is_file():
            wrong.append(name)
            continue
        text = "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
        if name not in text:
            wrong.append(name)
    return len(names) - len(wrong), wrong
