"""Three documents of fixed content (codes, dates, names, images), rendered without the
database: the pixel comparison (test_pixels.py) and the render profile
(bench/render_profile.py) use them. Each prints names in several scripts."""

import io

from certificates import rendering
from certificates.enums import DocumentKind
from certificates.models import Document

SITE_URL = "https://parcours.example"
ISSUED_ON = "2026-06-30"

ORGANISATION = {
    "name": "C-Num", "legal_name": "Association C-Num",
    "address": "12 rue des Tanneurs, 79000 Niort", "siret": "83245178500014",
    "nda": "75790123479", "email": "contact@c-num.example", "phone": "05 49 00 00 00",
    "place": "Niort", "signatory_name": "Nathalie Giraud", "signatory_title": "Directrice",
    "images": {"logo": "", "signature": "", "stamp": ""},
}

PATH = {
    "title": "Premiers pas numériques — tablette, courriel et démarches en ligne",
    "kind": "Parcours", "action_type": "Action de formation", "action_type_code": "training",
    "objectives": ["Utiliser une tablette au quotidien", "Envoyer et recevoir des courriels",
                   "Réaliser une démarche administrative en ligne"],
    "duration_hours": "21.00", "modality": "Présentiel",
    "assessment_methods": "Mises en situation et questionnaire final.",
}

ASSESSMENT = [
    {"code": f"{area}.{number}", "name": name, "framework": "Pix", "target": 2,
     "level": level, "level_name": level_name}
    for area, number, name, level, level_name in [
        (1, 1, "Mener une recherche et une veille d'information", 2, "Débutant 2"),
        (1, 2, "Gérer des données", 1, "Débutant 1"),
        (2, 1, "Interagir", 3, "Indépendant 3"),
        (2, 2, "Partager et publier", 2, "Débutant 2"),
        (3, 1, "Développer des documents textuels", None, ""),
        (4, 1, "Sécuriser l'environnement numérique", 2, "Débutant 2"),
    ]
]

ATTESTATION_NAME = "فاطمة بن علي"
CERTIFICATE_NAME = "Nguyễn Thị Thu Hà"
SHEET_NAMES = ["Hélène Lefèvre-Dubois", "Олена Коваленко", "王小明", "فاطمة بن علي",
               "Nguyễn Thị Thu Hà", "Jean Martin"]

SIGNATURE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">'
                 '<path d="M10 80 C 40 10, 65 10, 95 80 S 150 150, 180 60 S 260 20, 290 70" '
                 'fill="none" stroke="#141450" stroke-width="4"/></svg>')


def _png(size, draw) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (255, 255, 255, 0))
    draw(ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def image_files() -> dict[str, bytes]:
    """Logo, signature and stamp as the organisation's renditions print them (PNG with
    transparency, at most 600×240)."""
    def logo(d):
        d.rounded_rectangle((8, 15, 172, 165), 22, fill=(0, 90, 160, 255))
        d.text((195, 75), "C-Num, tiers-lieu numerique", fill=(0, 60, 110, 255))

    def signature(d):
        d.line([(20, 110), (80, 30), (120, 120), (170, 40), (230, 115), (330, 60)],
               fill=(20, 20, 90, 255), width=5)

    def stamp(d):
        d.ellipse((10, 10, 230, 230), outline=(150, 0, 0, 255), width=8)
        d.text((70, 115), "C-Num - Niort", fill=(150, 0, 0, 255))

    return {"logo": _png((600, 180), logo), "signature": _png((360, 140), signature),
            "stamp": _png((240, 240), stamp)}


def images() -> dict:
    """The images in the form the render takes them."""
    return {name: rendering.printed_image(data) for name, data in image_files().items()}


def _enrollment_snapshot(name: str) -> dict:
    return {
        "organisation": ORGANISATION, "learner": {"name": name, "employer": "Mairie de Niort"},
        "path": PATH, "cohort": "Printemps 2026", "start_date": "2026-03-02",
        "end_date": "2026-06-15", "hours_attended": "19.50", "hours_planned": "21.00",
        "assessment": ASSESSMENT, "issued_on": ISSUED_ON,
    }


def _cell(index: int, session: int) -> dict:
    cell = {"expected": True, "status": "Présent·e", "signature_svg": SIGNATURE_SVG,
            "method": "drawn", "signed_at": f"09:0{index}", "minutes_late": 0,
            "signature_text": f"signé sur l'écran du formateur à 09:0{index}",
            "unsigned_present": False}
    if (index, session) == (2, 1):
        cell.update(status="En retard", minutes_late=12)
    if (index, session) == (4, 0):
        cell.update(signature_svg="", status="Présent·e", method="", signed_at="",
                    signature_text="", unsigned_present=True)
    if (index, session) == (5, 1):
        cell = {"expected": False, "status": "", "signature_svg": "", "method": "",
                "signed_at": "", "minutes_late": 0, "signature_text": "",
                "unsigned_present": False}
    return cell


def _sheet_snapshot() -> dict:
    sessions = [
        {"date": "2026-06-22", "start": "09:00", "end": "12:00", "half_day": "Matin",
         "module": "Tablette", "trainer": "Camille Formatrice", "room": "Salle 1",
         "countersignature_svg": SIGNATURE_SVG, "locked_at": "22/06/2026 12:10"},
        {"date": "2026-06-22", "start": "13:30", "end": "16:30", "half_day": "Après-midi",
         "module": "Courriel", "trainer": "Camille Formatrice", "room": "Salle 1",
         "countersignature_svg": SIGNATURE_SVG, "locked_at": "22/06/2026 16:40"},
    ]
    rows = [{"learner_id": index + 1, "name": name,
             "cells": [_cell(index, session) for session in range(len(sessions))]}
            for index, name in enumerate(SHEET_NAMES)]
    return {"organisation": ORGANISATION, "cohort": "Printemps 2026",
            "path": PATH["title"], "sessions": sessions, "rows": rows, "issued_on": ISSUED_ON}


def documents() -> dict[str, tuple[Document, dict]]:
    """{name: (an unsaved document with a fixed code, its snapshot)}."""
    return {
        "attestation": (Document(kind=DocumentKind.ATTESTATION, code="ATTESTA7ION2", version=1),
                        _enrollment_snapshot(ATTESTATION_NAME)),
        "certificate": (Document(kind=DocumentKind.CERTIFICATE, code="CERT1F1CAT3X", version=2),
                        _enrollment_snapshot(CERTIFICATE_NAME)),
        "attendance_sheet": (Document(kind=DocumentKind.ATTENDANCE_SHEET, code="SHEETC0DE4XY",
                                      version=1), _sheet_snapshot()),
    }


NAMES = {"attestation": [ATTESTATION_NAME], "certificate": [CERTIFICATE_NAME],
         "attendance_sheet": SHEET_NAMES}
