"""The learner's own pages: "Mon parcours", enrolment, lesson completion, self-positioning."""

import contextlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.levels import I_CAN
from courses.models import CompetenceLevel, LessonPage, TrainingPathPage
from courses.referential import MAX_LEVEL, MIN_LEVEL
from lms.progress import services
from lms.progress.completion import upcoming_sessions
from lms.progress.enums import AssessmentKind
from lms.progress.models import Enrollment
from lms.progress.selectors import learner_progress


@login_required
def dashboard(request):
    progress = learner_progress(request.user)
    return render(request, "progress/dashboard.html", {
        "progress": progress,
        "sessions": upcoming_sessions(request.user),
    })


@login_required
@require_POST
def enroll(request, path_id):
    path = get_object_or_404(TrainingPathPage.objects.live().public(), pk=path_id)
    try:
        _enrollment, created = services.self_enroll(learner=request.user, path=path)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect(path.url)
    if created:
        messages.success(request, _("You are enrolled in “%(path)s”.") % {"path": path.title})
    return redirect(path.url)


@login_required
@require_POST
def lesson_done(request, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=lesson_id)
    try:
        if request.POST.get("undo"):
            services.lesson_uncomplete(learner=request.user, lesson=lesson)
        else:
            services.lesson_complete(learner=request.user, lesson=lesson)
            messages.success(request, _("Lesson marked as done."))
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect(lesson.url)


@require_http_methods(["GET", "HEAD", "POST"])
def quiz_submit(request, lesson_id):
    """A quiz of a lesson answered: scored on the server; an enrolled learner's attempt is
    recorded and may complete the lesson, anyone else just sees their score. Answers with
    the lesson page and the result under the quiz (a GET, e.g. after switching the language
    there, goes back to the lesson)."""
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=lesson_id)
    if request.method != "POST":
        return redirect(lesson.url)
    block_id = request.POST.get("quiz", "")
    child = next((child for child in lesson.quiz_blocks() if child.id == block_id), None)
    if child is None:
        raise Http404
    answers = lesson.quiz_answers_from(request.POST, block_id)
    result = child.block.score(child.value, answers)
    if request.user.is_authenticated:
        # Not enrolled in the path: scored, not recorded.
        with contextlib.suppress(PermissionDenied):
            _attempt, result = services.quiz_submit(learner=request.user, lesson=lesson,
                                                    block_id=child.id, answers=answers)
    context = lesson.get_context(request, quiz_results={child.id: result})
    return TemplateResponse(request, lesson.get_template(request), context)


class PositioningForm(forms.Form):
    """One level field per competence the path targets."""

    def __init__(self, *args, competences, level_names, **kwargs):
        super().__init__(*args, **kwargs)
        # Each level says what the learner can do ("I can…", DigComp 2.2's levels in plain
        # words): "Foundation 1 … Highly specialised 8" alone meant nothing to a beginner.
        choices = [("", _("I don't know"))] + [
            (str(number), _("%(number)s — %(i_can)s (%(name)s)") % {
                "number": number, "i_can": I_CAN.get(number, ""), "name": name})
            for number, name in level_names
        ]
        for item in competences:
            self.fields[f"c{item.competence.pk}"] = forms.TypedChoiceField(
                label=f"{item.competence.code} {item.competence.name}", choices=choices,
                coerce=int, required=False, empty_value=None, widget=forms.RadioSelect,
                help_text=item.competence.description,
            )


@login_required
def positioning(request, enrollment_id, kind):
    if kind not in (AssessmentKind.INITIAL, AssessmentKind.FINAL):
        raise Http404
    enrollment = get_object_or_404(Enrollment.objects.filter(learner=request.user)
                                   .select_related("path"), pk=enrollment_id)
    progress = learner_progress(request.user, [enrollment])[0]
    framework_ids = {item.competence.area.framework_id for item in progress.competences}
    if len(framework_ids) == 1:
        level_names = [(level.number, level.name) for level in
                       CompetenceLevel.objects.filter(framework_id__in=framework_ids)]
    else:
        level_names = [(number, _("level %(n)s") % {"n": number})
                       for number in range(MIN_LEVEL, MAX_LEVEL + 1)]
    form = PositioningForm(request.POST or None, competences=progress.competences,
                           level_names=level_names)
    if request.method == "POST" and form.is_valid():
        saved = 0
        for item in progress.competences:
            level = form.cleaned_data.get(f"c{item.competence.pk}")
            if level:
                services.assessment_record(
                    learner=request.user, competence=item.competence, kind=kind, level=level,
                    by=request.user, path=enrollment.path,
                )
                saved += 1
        messages.success(request, _("Your positioning is saved (%(count)s competences).")
                         % {"count": saved})
        return redirect("progress:dashboard")
    return render(request, "progress/positioning.html", {
        "form": form, "enrollment": enrollment, "kind": AssessmentKind(kind),
    })


urlpatterns = [
    path("mon-parcours/", dashboard, name="dashboard"),
    path("parcours/<int:path_id>/inscription/", enroll, name="enroll"),
    path("lecons/<int:lesson_id>/terminee/", lesson_done, name="lesson-done"),
    path("lecons/<int:lesson_id>/quiz/", quiz_submit, name="quiz-submit"),
    path("inscriptions/<int:enrollment_id>/positionnement/<str:kind>/", positioning,
         name="positioning"),
]
