from django import template

from courses.referential import MAX_LEVEL
from lms.progress.enums import EnrollmentStatus
from lms.progress.models import Enrollment, LessonCompletion

register = template.Library()

CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT = 320, 40, 34


@register.inclusion_tag("progress/includes/competence_chart.html")
def competence_chart(competences, uid):
    """Bars of initial and current level with a target mark, per competence, on 1–8."""
    scale = (CHART_WIDTH - LABEL_WIDTH - 8) / MAX_LEVEL
    rows = [
        {
            "y": index * ROW_HEIGHT,
            "code": item.competence.code,
            "initial_w": round((item.initial or 0) * scale, 1),
            "current_w": round((item.current or 0) * scale, 1),
            "target_x": round(LABEL_WIDTH + item.target * scale, 1),
        }
        for index, item in enumerate(competences)
    ]
    plot_bottom = len(rows) * ROW_HEIGHT
    return {
        "uid": uid, "rows": rows, "left": LABEL_WIDTH, "width": CHART_WIDTH,
        "plot_bottom": plot_bottom, "height": plot_bottom + 18,
        "ticks": [{"level": level, "x": round(LABEL_WIDTH + level * scale, 1)}
                  for level in range(0, MAX_LEVEL + 1, 2)],
    }


@register.inclusion_tag("progress/includes/enrolment_panel.html", takes_context=True)
def enrolment_panel(context, path):
    """On a path page: the visitor's enrolment, or how to enrol."""
    user = context["request"].user
    enrollment = (Enrollment.objects.filter(learner=user, path=path).first()
                  if user.is_authenticated else None)
    return {"request": context["request"], "user": user, "path": path,
            "enrollment": enrollment, "withdrawn": EnrollmentStatus.WITHDRAWN}


@register.inclusion_tag("progress/includes/lesson_panel.html", takes_context=True)
def lesson_panel(context, lesson):
    """On a lesson page: whether it is done, and the button to mark it."""
    user = context["request"].user
    done = None
    if user.is_authenticated:
        done = LessonCompletion.objects.filter(learner=user, lesson=lesson).first()
    return {"request": context["request"], "user": user, "lesson": lesson, "done": done,
            "has_quiz": bool(lesson.quiz_blocks())}
