"""The facts a document prints, gathered once at issue and frozen in its snapshot."""

import hashlib
from html import unescape

from django.db.models import F
from django.utils import timezone, translation

from courses.models import Competence, CompetenceLevel
from lms.accounts.models import Organisation
from lms.attendance.enums import SignatureMethod
from lms.attendance.models import Attendance, Session
from lms.attendance.roster import roster_with_learners
from lms.attendance.selectors import realised_attendance
from lms.progress.completion import current_levels
from lms.progress.selectors import path_targets

from .enums import DocumentKind
from .rendering import printed_image


def _tags(html: str):
    """(text before, tag) pairs of `html`, then (the rest, None): one forward pass with
    str.find, so thousands of unclosed tags cost linear time (the regular expressions this
    replaces, and html.parser, rescan to the end from each of them). A "<" never closed is
    text. A tag is (closing, name)."""
    position = 0
    while True:
        start = html.find("<", position)
        end = html.find(">", start + 1) if start != -1 else -1
        if end == -1:
            yield html[position:], None
            return
        body = html[start + 1:end]
        closing = body.startswith("/")
        name = body[1:] if closing else body
        name = name.split(None, 1)[0].rstrip("/").lower() if name.strip() else ""
        yield html[position:start], (closing, name)
        position = end + 1


def _plain_items(html: str) -> list[str]:
    """The objectives of a path as plain lines: the text of each top-level list item of its
    rich text, else its whole text."""
    items, text, item, depth = [], [], None, 0
    for before, tag in _tags(html or ""):
        text.append(before)
        if item is not None:
            item.append(before)
        if tag is None:
            break
        closing, name = tag
        if name != "li":
            continue
        if not closing:
            if depth == 0:
                item = []
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                items.append("".join(item))
                item = None
    if item is not None:
        items.append("".join(item))
    items = items or ["".join(text)]
    return [line for line in (unescape(item).strip() for item in items) if line]


IMAGES = {"logo": "logo", "signature": "signature_image", "stamp": "stamp_image"}

# {(image id, file name, file hash): (SHA-256 of the printed PNG, its data URI)}. The
# organisation's images print on every document: made once per process. A different image or
# a replaced file is a different key, so a document never prints a stale one.
_PRINTED_IMAGES: dict[tuple, tuple[str, str]] = {}
_IMAGE_CACHE_SIZE = 32


def _printed_image(organisation, field: str) -> tuple[str, str]:
    """(SHA-256, data URI) of the image as documents print it; ("", "") when there is none."""
    image_id = getattr(organisation, f"{field}_id")
    if image_id is None:
        return "", ""
    file_name = getattr(organisation, f"{field}_file_name", None)
    if file_name is None:  # loaded without the annotations of _organisation()
        image = getattr(organisation, field)
        file_name, file_hash = image.file.name, image.file_hash
    else:
        file_hash = getattr(organisation, f"{field}_file_hash")
    key = (image_id, file_name, file_hash)
    printed = _PRINTED_IMAGES.get(key)
    if printed is None:
        rendition = getattr(organisation, field).get_rendition("max-600x240|format-png")
        with rendition.file.open("rb") as handle:
            data = handle.read()
        printed = (hashlib.sha256(data).hexdigest(), printed_image(data))
        if len(_PRINTED_IMAGES) >= _IMAGE_CACHE_SIZE:
            _PRINTED_IMAGES.clear()
        _PRINTED_IMAGES[key] = printed
    return printed


def _organisation() -> Organisation:
    """Organisation.load() with its images' file names and hashes (the cache keys above) in
    the same query; the images themselves are loaded only when not cached."""
    files = {}
    for field in IMAGES.values():
        files[f"{field}_file_name"] = F(f"{field}__file")
        files[f"{field}_file_hash"] = F(f"{field}__file_hash")
    return Organisation.base_queryset().annotate(**files).first() or Organisation.load()


def organisation_snapshot() -> tuple[dict, dict[str, str]]:
    """What documents print of the organisation, and its images as data URIs for the render.
    The snapshot keeps the SHA-256 of each image printed, not the image: the PDF holds the
    pixels, and ~28 KB of base64 stored again with every document would only weigh on every
    read of the table."""
    organisation = _organisation()
    printed = {name: _printed_image(organisation, field) for name, field in IMAGES.items()}
    facts = {
        "name": organisation.name,
        "legal_name": organisation.legal_name or organisation.name,
        "address": organisation.full_address,
        "siret": organisation.siret,
        "nda": organisation.nda,
        "email": organisation.email,
        "phone": organisation.phone,
        "place": organisation.place,
        "signatory_name": organisation.signatory_name,
        "signatory_title": organisation.signatory_title,
        "images": {name: sha256 for name, (sha256, _uri) in printed.items()},
    }
    return facts, {name: uri for name, (_sha256, uri) in printed.items()}


def _decimal(value) -> str | None:
    return None if value is None else format(value, "f")


def printed_name(user) -> str:
    """The name documents print: the full name, else the username."""
    return user.get_full_name() or user.username


def _learner(user) -> dict:
    return {"name": printed_name(user), "employer": user.employer}


# What enrollment_snapshot reads of an enrolment, its learner, path and cohort. The claim
# (services.document_render) loads these columns with the document, in the same query, and no
# others: a training path is a Wagtail page of ~70 columns, a user has ~25.
ENROLLMENT_FACTS = {
    "enrollment": ("enrolled_at", "completed_at"),
    "enrollment__learner": ("username", "first_name", "last_name", "employer"),
    "enrollment__path": ("title", "path", "kind", "action_type", "objectives",
                         "duration_hours", "modality", "assessment_methods"),
    "enrollment__cohort": ("name", "start_date", "end_date"),
}


def with_enrollment_facts(documents):
    """The documents with what build_snapshot reads of their enrolment, in the same query."""
    fields = [field.name for field in documents.model._meta.concrete_fields]
    for relation, names in ENROLLMENT_FACTS.items():
        fields += [relation, *(f"{relation}__{name}" for name in names)]
    return documents.select_related(*ENROLLMENT_FACTS).only(*fields)


def enrollment_dates(enrollment, attended) -> tuple:
    """(from, to) a document about the enrolment prints: the learner's first and last
    attended sessions on locked sheets. Without any (an attestation issued by a manager's
    override), the enrolment's own dates: from the day of enrolment to its completion, or
    the issue date if earlier than the cohort's end. Never a day still to come."""
    today = timezone.localdate()
    if attended.first_date is not None:
        return attended.first_date, min(attended.last_date, today)
    start = min(timezone.localdate(enrollment.enrolled_at), today)
    if enrollment.completed_at:
        end = timezone.localdate(enrollment.completed_at)
    else:
        end = today
    return start, max(min(end, today), start)


def enrollment_snapshot(enrollment) -> dict:
    path = enrollment.path
    cohort = enrollment.cohort
    attended = realised_attendance(enrollment)
    start, end = enrollment_dates(enrollment, attended)
    targets = path_targets(path)
    levels = current_levels(enrollment.learner, list(targets))
    competences = {c.pk: c for c in Competence.objects.with_framework().filter(pk__in=targets)
                   .only("code", "name_fr", "name_en", "area__framework__name_fr",
                         "area__framework__name_en")}
    level_names = {(level.framework_id, level.number): level.name for level in
                   CompetenceLevel.objects.filter(
                       framework__in={c.area.framework_id for c in competences.values()})
                   .order_by().only("framework", "number", "name_fr", "name_en")}
    assessment = [
        {
            "code": competences[pk].code,
            "name": competences[pk].name,
            "framework": competences[pk].area.framework.name,
            "target": target,
            "level": levels.get(pk),
            "level_name": level_names.get((competences[pk].area.framework_id, levels.get(pk)),
                                          ""),
        }
        for pk, target in sorted(targets.items(), key=lambda item: competences[item[0]].code)
    ]
    return {
        "learner": _learner(enrollment.learner),
        "path": {
            "title": path.title,
            "kind": path.get_kind_display(),
            "action_type": path.get_action_type_display(),
            "action_type_code": path.action_type,
            "objectives": _plain_items(path.objectives),
            "duration_hours": _decimal(path.duration_hours),
            "modality": path.get_modality_display(),
            "assessment_methods": path.assessment_methods,
        },
        "cohort": cohort.name if cohort else "",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        # Realised hours only (locked sheets): never the planned duration, never hours of a
        # sheet that may still change.
        "hours_attended": _decimal(attended.hours),
        "hours_planned": _decimal(path.duration_hours),
        "assessment": assessment,
    }


# How each way of signing prints on a sheet: the learner's own signature, with its method.
SIGNED_TEXT = {
    SignatureMethod.DRAWN: "signé sur l'écran du formateur à {time}",
    SignatureMethod.CHECK_IN: "signé sur son téléphone à {time}",
    SignatureMethod.PAPER: "signé sur la feuille papier",
}


def _signature_text(mark) -> str:
    if mark is None or not mark.signed_at:
        return ""
    time = timezone.localtime(mark.signed_at).strftime("%H:%M")
    return SIGNED_TEXT.get(mark.signature_method, "signé à {time}").format(time=time)


def session_rows(sessions: list[Session]) -> list[dict]:
    """Learners × sessions with their signatures, for an attendance sheet: the learners
    expected at one of the sessions at least (in the cohort on its day), each cell saying
    whether they were expected that day. A learner marked as attending who did not sign is
    printed so, never as signed. Two queries whatever the number of learners."""
    expected, learners = roster_with_learners(sessions)
    expected = {session_id: set(ids) for session_id, ids in expected.items()}
    marks = {(mark.session_id, mark.learner_id): mark for mark in
             Attendance.objects.filter(session__in=sessions, learner_id__in=set(learners))
             .select_related("status")}
    rows = []
    for learner in sorted(learners.values(), key=lambda u: (u.last_name, u.first_name, u.pk)):
        cells = []
        for session in sessions:
            if learner.pk not in expected[session.pk]:
                cells.append({"expected": False, "status": "", "signature_svg": "",
                              "method": "", "signed_at": "", "minutes_late": 0,
                              "signature_text": "", "unsigned_present": False})
                continue
            mark = marks.get((session.pk, learner.pk))
            status = mark.status if mark else None
            cells.append({
                "expected": True,
                "status": status.label if status else "",
                "signature_svg": mark.signature_svg if mark else "",
                "method": mark.signature_method if mark else "",
                "signed_at": timezone.localtime(mark.signed_at).strftime("%H:%M")
                if mark and mark.signed_at else "",
                "minutes_late": mark.minutes_late if mark else 0,
                "signature_text": _signature_text(mark),
                "unsigned_present": bool(status and status.attended and not mark.signed_at),
            })
        # The learner's id, never printed: a personal-data erasure finds their row by it
        # (two learners of a group may share a name).
        rows.append({"learner_id": learner.pk, "name": printed_name(learner), "cells": cells})
    return rows


def sheet_snapshot(sessions: list[Session]) -> dict:
    return {
        "cohort": sessions[0].cohort.name,
        "path": sessions[0].cohort.path.title,
        "sessions": [
            {
                "date": session.date.isoformat(),
                "start": session.start_time.strftime("%H:%M"),
                "end": session.end_time.strftime("%H:%M"),
                "half_day": session.get_half_day_label(),
                "module": session.module.title if session.module else "",
                "trainer": str(session.trainer) if session.trainer else "",
                "room": session.room,
                "countersignature_svg": session.countersignature_svg,
                "locked_at": timezone.localtime(session.locked_at).strftime("%d/%m/%Y %H:%M")
                if session.locked_at else "",
            }
            for session in sessions
        ],
        "rows": session_rows(sessions),
    }


def build_snapshot(document) -> tuple[dict, dict[str, str]]:
    """(the facts the document prints, the organisation's images as data URIs), in French as
    the document is: with in-process tasks the render runs under the language of whoever
    asked for it."""
    with translation.override("fr"):
        return _build_snapshot(document)


def _build_snapshot(document) -> tuple[dict, dict[str, str]]:
    organisation, images = organisation_snapshot()
    snapshot = {"organisation": organisation}
    if document.kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        snapshot.update(enrollment_snapshot(document.enrollment))
    else:
        sessions = Session.objects.select_related("cohort__path", "module", "trainer")
        if document.session_id:
            sessions = [sessions.get(pk=document.session_id)]
        else:
            sessions = list(sessions.scheduled().filter(
                cohort_id=document.cohort_id, date__gte=document.week_start,
                date__lt=document.week_start + timezone.timedelta(days=7),
            ))
        snapshot.update(sheet_snapshot(sessions))
    return snapshot, images
