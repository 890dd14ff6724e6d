"""The trainer's side of the attendance sheet (émargement): today's sessions, the roll call of
the whole group on one screen, signatures drawn on the trainer's device or on paper, the
rotating check-in code with its QR code, and the countersignature that locks the sheet."""

import datetime
from collections import defaultdict

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.core.forms import add_service_errors
from lms.progress.perms import is_staff

from .. import checkin, roster, services
from ..forms import (
    PRESET_STATUS,
    CountersignForm,
    MarkForm,
    PaperSignatureForm,
    RollCallForm,
    SignatureForm,
)
from ..models import AbsenceNotice, Attendance, AttendanceSettings, AttendanceStatus, Session

User = get_user_model()
UPCOMING_LIMIT, RECENT_LIMIT = 30, 15
QR_SCALE = 4


# Scope ----------------------------------------------------------------------------------------

def _session_or_404(request, session_id) -> Session:
    return get_object_or_404(
        Session.objects.kept_by(request.user).select_related("cohort", "module", "trainer",
                                                         "locked_by"),
        pk=session_id,
    )


def _cohort_learners(session):
    """Learners expected at the session (in its cohort on its day), sorted by name."""
    return roster.expected_learners(session)


def _learner_or_404(session, learner_id):
    return get_object_or_404(_cohort_learners(session), pk=learner_id)


def _notices_by_learner(session) -> dict[int, list[AbsenceNotice]]:
    notices = defaultdict(list)
    for notice in AbsenceNotice.objects.filter(cohort_id=session.cohort_id,
                                               start_date__lte=session.date,
                                               end_date__gte=session.date):
        notices[notice.learner_id].append(notice)
    return notices


SHEET_REFUSED = gettext_lazy("You cannot change this sheet.")


def _errors_of(error) -> list[str]:
    messages_ = [str(m) for m in getattr(error, "messages", None) or [str(error)] if str(m)]
    return messages_ or [SHEET_REFUSED]


# Sessions list --------------------------------------------------------------------------------

@login_required
@require_GET
def session_list(request):
    if not is_staff(request.user):
        raise Http404
    today = timezone.localdate()
    sessions = Session.objects.kept_by(request.user).select_related("cohort", "module", "trainer")
    coming = list(sessions.filter(date__gte=today).order_by("date", "start_time", "pk")
                  [:UPCOMING_LIMIT])
    recent = list(sessions.filter(date__lt=today, date__gte=today - datetime.timedelta(days=60))
                  .order_by("-date", "-start_time", "-pk")[:RECENT_LIMIT])
    return render(request, "attendance/rollcall/session_list.html", {
        "today": today,
        "today_sessions": [s for s in coming if s.date == today],
        "upcoming": [s for s in coming if s.date > today],
        "recent": recent,
    })


# Roll call ------------------------------------------------------------------------------------

def _code_context(request, session, settings) -> dict:
    code, expires_in = checkin.current_code(
        session, window_seconds=settings.checkin_window_seconds)
    url = request.build_absolute_uri(
        reverse("attendance:checkin", args=[session.pk]) + "?" + urlencode({"code": code}))
    qr = segno.make(url, error="m").svg_inline(
        scale=QR_SCALE, omitsize=True, svgclass="checkin-panel__qr-svg", lineclass=None,
        title=_("QR code of the check-in link with the code %(code)s") % {"code": code},
    )
    return {"code": code, "expires_in": expires_in, "url": url, "qr_svg": qr,
            "window": settings.checkin_window_seconds}


def _is_open(session) -> bool:
    return not (session.is_cancelled or session.is_locked or _before_day(session))


def _before_day(session) -> bool:
    """Nobody marks a session before its day (the services refuse it too)."""
    return session.date > timezone.localdate()


@login_required
@require_http_methods(["GET", "POST"])
def roll_call(request, session_id):
    session = _session_or_404(request, session_id)
    manager = request.user.sees_everything
    ahead = _before_day(session)
    editable = not session.is_cancelled and not ahead and (not session.is_locked or manager)
    learners = list(_cohort_learners(session))
    statuses_by_pk = {status.pk: status for status in AttendanceStatus.objects.all()}
    statuses = sorted((s for s in statuses_by_pk.values() if s.active),
                      key=lambda s: (s.sort_order, s.pk))
    marks = {mark.learner_id: mark for mark in session.marks.select_related("status")}
    form = RollCallForm(
        request.POST if request.method == "POST" and editable else None,
        learners=learners, statuses=statuses, marks=marks, statuses_by_pk=statuses_by_pk,
        max_late=session.duration_minutes, override=session.is_locked and manager,
    )
    status_code = 200
    if request.method == "POST":
        if not editable:
            if ahead:
                messages.error(request, _("The roll call of this session opens on its day."))
            elif session.is_locked:
                messages.error(request, _("This sheet is locked: only a manager can change it."))
            else:
                messages.error(request, _("This session is cancelled."))
            status_code = 400
        elif form.is_valid():
            marks_in = form.mark_inputs()
            try:
                result = services.roll_call_save(
                    session=session, by=request.user, marks=marks_in,
                    reason=form.cleaned_data.get("reason", ""))
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for key, field_errors in error.message_dict.items():
                        name = form.field_name_for(key, marks_in)
                        if name is None and key in form.fields:
                            name = key
                        form.add_error(name, field_errors)
                else:
                    form.add_error(None, error.messages)
            except PermissionDenied as error:
                form.add_error(None, _errors_of(error))
            else:
                changed = result["created"] + result["updated"]
                messages.success(request, ngettext(
                    "Roll call saved: %(changed)s change.", "Roll call saved: %(changed)s changes.",
                    changed) % {"changed": changed} if changed
                    else _("Roll call saved: nothing changed."))
                return redirect("attendance:rollcall", session_id=session.pk)
        status_code = 400
    context = {
        "session": session,
        "form": form,
        "rows": form.rows(_notices_by_learner(session),
                          preset_notices=editable and not session.is_locked),
        "editable": editable,
        "override": session.is_locked and manager,
        "is_today": session.date == timezone.localdate(),
        "ahead": ahead,
    }
    if _is_open(session):
        context["checkin"] = _code_context(request, session, AttendanceSettings.load(request))
    return render(request, "attendance/rollcall/roll_call.html", context, status=status_code)


def _editable_or_error(session, manager) -> str:
    """Why the marks of this session can't be written by this user now ("" if they can)."""
    if session.is_cancelled:
        return _("This session is cancelled.")
    if _before_day(session):
        return _("The roll call of this session opens on its day.")
    if session.is_locked and not manager:
        return _("This sheet is locked: only a manager can change it.")
    return ""


def _json_errors(error, *, status=400) -> JsonResponse:
    """A service's or a form's errors as {"errors": {field: [messages]}}, keyed "status",
    "late", "comment", "reason" or "__all__"."""
    fields = {"status": "status", "minutes_late": "late", "comment": "comment"}
    errors = defaultdict(list)
    if isinstance(error, dict):
        for key, messages_ in error.items():
            errors[key].extend(str(m) for m in messages_)
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for key, messages_ in error.message_dict.items():
            name = key.rsplit(".", 1)[-1] if key.startswith("marks[") else key
            errors[fields.get(name, name if name == "reason" else "__all__")].extend(messages_)
    else:
        errors["__all__"].extend(_errors_of(error))
    return JsonResponse({"saved": False, "errors": dict(errors)}, status=status)


def _mark_json(mark) -> dict:
    return {"status": mark.status.code if mark and mark.status else "",
            "late": mark.minutes_late if mark else 0,
            "comment": mark.comment if mark else ""}


@login_required
@require_POST
def mark_save(request, session_id, learner_id):
    """One learner's line saved at once, as the trainer taps (static/js/roll-call.js): a tap
    is never lost when the trainer then opens the signature pad or leaves the page. Answers
    JSON: the mark as saved, or the errors."""
    session = _session_or_404(request, session_id)
    learner = _learner_or_404(session, learner_id)
    manager = request.user.sees_everything
    refused = _editable_or_error(session, manager)
    if refused:
        return _json_errors({"__all__": [refused]})
    mark = session.marks.select_related("status").filter(learner=learner).first()
    codes = set(AttendanceStatus.objects.active().values_list("code", flat=True))
    if mark and mark.status:
        codes.add(mark.status.code)  # a retired status kept on the mark stays accepted
    form = MarkForm(request.POST, status_codes=codes, max_late=session.duration_minutes,
                    override=session.is_locked and manager)
    if not form.is_valid():
        return _json_errors(form.errors)
    try:
        result = services.roll_call_save(session=session, by=request.user,
                                         marks=[form.mark_input(learner.pk)],
                                         reason=form.cleaned_data.get("reason", ""))
    except (ValidationError, PermissionDenied) as error:
        return _json_errors(error)
    mark = session.marks.select_related("status").filter(learner=learner).first()
    return JsonResponse({"saved": True, "learner": learner.pk,
                         "changed": bool(result["created"] or result["updated"]),
                         **_mark_json(mark)})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def all_present(request, session_id):
    """"Tous présents": every learner still unmarked is marked present, except those who
    declared an absence for the day, marked excused. Learners already marked (by a tap or
    their own check-in) keep their mark."""
    session = _session_or_404(request, session_id)
    manager = request.user.sees_everything
    refused = _editable_or_error(session, manager)
    if refused:
        if _wants_json(request):
            return _json_errors({"__all__": [refused]})
        messages.error(request, refused)
        return redirect("attendance:rollcall", session_id=session.pk)
    learners = list(_cohort_learners(session))
    marks = {mark.learner_id: mark for mark in session.marks.all()}
    notices = _notices_by_learner(session)
    active = set(AttendanceStatus.objects.active().values_list("code", flat=True))
    inputs = []
    for learner in learners:
        mark = marks.get(learner.pk)
        if mark and mark.status_id:
            continue
        status = PRESET_STATUS if notices.get(learner.pk) and PRESET_STATUS in active \
            else "present"
        inputs.append(services.MarkInput(learner_id=learner.pk, status=status,
                                         comment=mark.comment if mark else ""))
    try:
        services.roll_call_save(session=session, by=request.user, marks=inputs,
                                reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as error:
        if _wants_json(request):
            return _json_errors(error)
        messages.error(request, " ".join(_errors_of(error)))
        return redirect("attendance:rollcall", session_id=session.pk)
    if _wants_json(request):
        return JsonResponse({"saved": True,
                             "marked": {str(item.learner_id): item.status for item in inputs}})
    messages.success(request, ngettext(
        "%(count)s learner marked present (or excused).",
        "%(count)s learners marked present (or excused).", len(inputs)) % {
        "count": len(inputs)} if inputs else _("Every learner was already marked."))
    return redirect("attendance:rollcall", session_id=session.pk)


@never_cache
@login_required
@require_GET
def checkin_code(request, session_id):
    """The current check-in code, polled by the trainer's screen."""
    session = _session_or_404(request, session_id)
    if not _is_open(session):
        return JsonResponse({"open": False})
    data = _code_context(request, session, AttendanceSettings.load(request))
    data.pop("window")
    return JsonResponse({"open": True, **data})


# Signatures -----------------------------------------------------------------------------------

SIGNED_PARAM = "signe"


def _sign_page(request, session, learner, *, draw_form=None, paper_form=None, status=200):
    """The signing mode while the sheet is open: a page for the learner alone (their name,
    what they sign for, the pad). A locked sheet's override by a manager, or a sheet that
    can't be signed, keeps the staff page."""
    manager = request.user.sees_everything
    override = session.is_locked and manager
    mark = Attendance.objects.filter(session=session, learner=learner).first()
    editable = (not session.is_cancelled and not _before_day(session)
                and (not session.is_locked or manager))
    context = {
        "session": session,
        "learner": learner,
        "mark": mark,
        "editable": editable,
        "ahead": _before_day(session),
        "override": override,
        "draw_form": draw_form or SignatureForm(override=override),
        "paper_form": paper_form or PaperSignatureForm(override=override),
    }
    if editable and not override:
        context["done"] = (draw_form is None and bool(mark and mark.signed_at)
                           and request.GET.get(SIGNED_PARAM) == "1")
        return render(request, "attendance/rollcall/signing_mode.html", context, status=status)
    return render(request, "attendance/rollcall/sign.html", context, status=status)


def _signed(request, session, learner, mark, *, signing_mode=False):
    if signing_mode:
        # The learner still holds the device: thank them; the trainer goes back.
        return redirect(reverse("attendance:rollcall-sign", args=[session.pk, learner.pk])
                        + f"?{SIGNED_PARAM}=1")
    messages.success(request, _("Signature of %(learner)s recorded at %(time)s.") % {
        "learner": learner, "time": time_format(timezone.localtime(mark.signed_at), "H:i")})
    return redirect(reverse("attendance:rollcall", args=[session.pk]) + f"#learner-{learner.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def sign(request, session_id, learner_id):
    """The learner signs on the trainer's device."""
    session = _session_or_404(request, session_id)
    learner = _learner_or_404(session, learner_id)
    if request.method == "GET":
        return _sign_page(request, session, learner)
    override = session.is_locked and request.user.sees_everything
    form = SignatureForm(request.POST, override=override)
    if form.is_valid():
        try:
            mark = services.signature_draw(
                session=session, learner_id=learner.pk, strokes=form.cleaned_data["strokes"],
                by=request.user, reason=form.cleaned_data.get("reason", ""))
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error, field="strokes", fallback=SHEET_REFUSED)
        else:
            return _signed(request, session, learner, mark, signing_mode=not override)
    return _sign_page(request, session, learner, draw_form=form, status=400)


@login_required
@require_POST
def sign_paper(request, session_id, learner_id):
    """Manual fallback: the learner signed the paper sheet."""
    session = _session_or_404(request, session_id)
    learner = _learner_or_404(session, learner_id)
    override = session.is_locked and request.user.sees_everything
    form = PaperSignatureForm(request.POST, override=override)
    if form.is_valid():
        try:
            mark = services.signature_paper(session=session, learner_id=learner.pk,
                                            by=request.user,
                                            reason=form.cleaned_data.get("reason", ""))
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error, fallback=SHEET_REFUSED)
        else:
            return _signed(request, session, learner, mark)
    return _sign_page(request, session, learner, paper_form=form, status=400)


# Countersignature and lock --------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def lock(request, session_id):
    session = _session_or_404(request, session_id)
    unsigned = [] if session.is_locked else roster.unsigned_present(session)
    form = CountersignForm(request.POST or None, unsigned=unsigned)
    status = 200
    if request.method == "POST":
        status = 400
        if session.is_locked:
            messages.error(request, _("This sheet is already closed."))
        elif _before_day(session):
            messages.error(request, _("The sheet of this session can be closed from its day."))
        elif form.is_valid():
            try:
                services.session_lock(session=session, by=request.user,
                                      strokes=form.cleaned_data["strokes"],
                                      confirm_unsigned=form.cleaned_data["confirm_unsigned"])
            except (ValidationError, PermissionDenied) as error:
                add_service_errors(form, error, field="strokes", fallback=SHEET_REFUSED)
                # Someone marked meanwhile: show the list as the service saw it.
                unsigned = roster.unsigned_present(session)
            else:
                return redirect("attendance:rollcall-lock", session_id=session.pk)
    learner_ids = {learner.pk for learner in _cohort_learners(session).only("pk")}
    marks = [mark for mark in session.marks.select_related("status")
             if mark.learner_id in learner_ids]
    counts = defaultdict(int)
    for mark in marks:
        if mark.status:
            counts[mark.status] += 1
    return render(request, "attendance/rollcall/lock.html", {
        "session": session,
        "form": form,
        "ahead": _before_day(session),
        "unsigned_present": unsigned,
        "learner_count": len(learner_ids),
        "status_counts": sorted(counts.items(), key=lambda item: (item[0].sort_order, item[0].pk)),
        "unmarked": len(learner_ids) - sum(counts.values()),
        "unsigned": len(learner_ids) - sum(1 for mark in marks if mark.signed_at),
    }, status=status)


urlpatterns = [
    path("", session_list, name="rollcall-sessions"),
    path("seances/<int:session_id>/", roll_call, name="rollcall"),
    path("seances/<int:session_id>/code/", checkin_code, name="rollcall-code"),
    path("seances/<int:session_id>/marques/<int:learner_id>/", mark_save,
         name="rollcall-mark"),
    path("seances/<int:session_id>/tous-presents/", all_present, name="rollcall-all-present"),
    path("seances/<int:session_id>/signature/<int:learner_id>/", sign, name="rollcall-sign"),
    path("seances/<int:session_id>/signature/<int:learner_id>/papier/", sign_paper,
         name="rollcall-sign-paper"),
    path("seances/<int:session_id>/cloture/", lock, name="rollcall-lock"),
]
