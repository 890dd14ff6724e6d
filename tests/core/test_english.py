"""The English interface (issue 15, point 5): statuses, audiences and every enum in English,
dates as "7 Dec 2026"; French unchanged."""

import datetime
import importlib

import pytest
from django.db import models
from django.template import Context, Template
from django.utils import formats, translation

from courses.models import Audience
from lms.attendance.models import AttendanceStatus

ENUM_MODULES = ["lms.attendance.enums", "lms.quality.enums", "lms.progress.enums",
                "lms.convocations.enums", "lms.insertion.enums", "lms.accounts.enums",
                "courses.enums", "certificates.enums"]
DAY = datetime.date(2026, 12, 7)


def enums():
    for name in ENUM_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, models.Choices)
                    and value.__module__ == name):
                yield value


def test_dates_in_english_read_day_first():
    with translation.override("en"):
        assert formats.date_format(DAY, "DATE_FORMAT") == "7 Dec 2026"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "7 Dec 2026"
        assert Template('{{ day|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"day": DAY})) == "7 Dec 2026"
    with translation.override("fr"):
        assert formats.date_format(DAY, "DATE_FORMAT") == "7 décembre 2026"


@pytest.mark.django_db
def test_statuses_and_audiences_follow_the_language():
    present = AttendanceStatus.objects.get(code="present")
    seekers = Audience.objects.create(slug="demandeurs-emploi",
                                      name="Demandeurs et demandeuses d’emploi")
    renamed = Audience.objects.create(slug="seniors", name="Aînés du quartier")
    with translation.override("en"):
        assert present.display_label == "Present" and str(present) == "Present"
        assert seekers.display_name == "Job seekers"
        assert renamed.display_name == "Aînés du quartier"  # rewritten: shown as written
    with translation.override("fr"):
        assert present.display_label == "Présent·e"
        assert seekers.display_name == "Demandeurs et demandeuses d’emploi"


def test_every_enum_has_both_languages():
    """Each label is an English source string with a French translation in the catalogue."""
    catalog = translation.trans_real.translation("fr")._catalog
    untranslated = []
    for enum in enums():
        for member in enum:
            with translation.override("en"):
                english = str(member.label)
            if english not in catalog and english != "CléA numérique":
                untranslated.append(f"{enum.__module__}.{enum.__name__}.{member.name}: "
                                    f"{english!r}")
    assert not untranslated, untranslated
