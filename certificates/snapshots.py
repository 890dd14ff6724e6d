"""The facts a document prints, gathered once at issue and frozen in its snapshot."""

import base64
import re
from html import unescape

from django.utils import timezone

from courses.models import Competence, CompetenceLevel
from lms.accounts.models import Organisation
from lms.attendance.models import Attendance, Session
from lms.progress.completion import attendance_figures
from lms.progress.selectors import current_levels, path_targets

from .enums import DocumentKind


def _plain_items(html: str) -> list[str]:
    items = re.findall(r"<li[^>]*>(.*?)</li>", html or "", flags=re.S)
    if not items:
        items = [html or ""]
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items if item.strip()]


def _image_data_uri(image) -> str:
    if image is None:
        return ""
    rendition = image.get_rendition("max-600x240|format-png")
    with rendition.file.open("rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode()


def organisation_snapshot() -> dict:
    organisation = Organisation.load()
    return {
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
        "images": {
            "logo": _image_data_uri(organisation.logo),
            "signature": _image_data_uri(organisation.signature_image),
            "stamp": _image_data_uri(organisation.stamp_image),
        },
    }


def _decimal(value) -> str | None:
    return None if value is None else format(value, "f")


def _learner(user) -> dict:
    return {"name": user.get_full_name() or user.username, "employer": user.employer}


def enrollment_snapshot(enrollment) -> dict:
    path = enrollment.path
    cohort = enrollment.cohort
    start = cohort.start_date if cohort else timezone.localdate(enrollment.enrolled_at)
    if enrollment.completed_at:
        end = timezone.localdate(enrollment.completed_at)
    else:
        end = cohort.end_date if cohort else timezone.localdate()
    _rate, hours = attendance_figures([enrollment]).get(enrollment.pk, (None, None))
    targets = path_targets(path)
    levels = current_levels(enrollment.learner, list(targets))
    competences = {c.pk: c for c in Competence.objects.with_framework().filter(pk__in=targets)}
    level_names = {(level.framework_id, level.number): level.name
                   for level in CompetenceLevel.objects.all()}
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
        "hours_attended": _decimal(hours),
        "assessment": assessment,
    }


def session_rows(sessions: list[Session]) -> list[dict]:
    """Learners × sessions with their signatures, for an attendance sheet."""
    marks = {(mark.session_id, mark.learner_id): mark for mark in
             Attendance.objects.filter(session__in=sessions).select_related("status", "learner")}
    learners = {}
    for session in sessions:
        for enrollment in session.cohort.enrollments.select_related("learner"):
            learners.setdefault(enrollment.learner_id, enrollment.learner)
    rows = []
    for learner in sorted(learners.values(), key=lambda u: (u.last_name, u.first_name)):
        cells = []
        for session in sessions:
            mark = marks.get((session.pk, learner.pk))
            cells.append({
                "status": mark.status.label if mark and mark.status else "",
                "signature_svg": mark.signature_svg if mark else "",
                "method": mark.signature_method if mark else "",
                "signed_at": timezone.localtime(mark.signed_at).strftime("%H:%M")
                if mark and mark.signed_at else "",
                "minutes_late": mark.minutes_late if mark else 0,
            })
        rows.append({"name": learner.get_full_name() or learner.username, "cells": cells})
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


def build_snapshot(document) -> dict:
    snapshot = {"organisation": organisation_snapshot()}
    if document.kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        snapshot.update(enrollment_snapshot(document.enrollment))
    else:
        if document.session_id:
            sessions = [document.session]
        else:
            sessions = list(Session.objects.scheduled().filter(
                cohort=document.cohort, date__gte=document.week_start,
                date__lt=document.week_start + timezone.timedelta(days=7),
            ).select_related("cohort__path", "module", "trainer"))
        snapshot.update(sheet_snapshot(sessions))
    return snapshot
