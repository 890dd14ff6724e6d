"""Reads of the surveys: response rates and results per survey, path, group and period."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q

from .enums import QuestionKind
from .models import Survey, SurveyAnswer, SurveyInvitation, SurveyResponse


@dataclass(frozen=True)
class Scope:
    path_id: int | None = None
    cohort_id: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None

    def invitations(self, qs):
        if self.path_id:
            qs = qs.filter(path_id=self.path_id)
        if self.cohort_id:
            qs = qs.filter(cohort_id=self.cohort_id)
        if self.start:
            qs = qs.filter(created_at__date__gte=self.start)
        if self.end:
            qs = qs.filter(created_at__date__lte=self.end)
        return qs

    def responses(self, qs):
        if self.path_id:
            qs = qs.filter(path_id=self.path_id)
        if self.cohort_id:
            qs = qs.filter(cohort_id=self.cohort_id)
        if self.start:
            qs = qs.filter(submitted_on__gte=self.start)
        if self.end:
            qs = qs.filter(submitted_on__lte=self.end)
        return qs


def rate(answered: int, invited: int) -> float | None:
    return round(100 * answered / invited, 1) if invited else None


def surveys_with_rates(surveys, scope: Scope):
    """Each survey with `invited`, `answered` (invitations of the scope) and `responses`."""
    inv = Q()
    if scope.path_id:
        inv &= Q(invitations__path_id=scope.path_id)
    if scope.cohort_id:
        inv &= Q(invitations__cohort_id=scope.cohort_id)
    if scope.start:
        inv &= Q(invitations__created_at__date__gte=scope.start)
    if scope.end:
        inv &= Q(invitations__created_at__date__lte=scope.end)
    rows = list(surveys.annotate(
        invited=Count("invitations", filter=inv, distinct=True),
        answered_count=Count("invitations", filter=inv & Q(invitations__answered=True),
                             distinct=True),
    ).prefetch_related("paths").order_by("kind", "title", "pk"))
    for survey in rows:
        survey.rate = rate(survey.answered_count, survey.invited)
    return rows


@dataclass
class Bar:
    label: str
    count: int
    share: float  # of the respondents to the question, in %


@dataclass
class QuestionResult:
    pk: int
    text: str
    kind: str
    answers: int = 0
    mean: float | None = None
    bars: list[Bar] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(QuestionKind(self.kind).label)


@dataclass
class SurveyResults:
    survey: Survey
    scope: Scope
    invited: int
    answered: int
    responses: int
    questions: list[QuestionResult]

    @property
    def rate(self) -> float | None:
        return rate(self.answered, self.invited)


def survey_results(*, survey: Survey, scope: Scope) -> SurveyResults:
    """Four queries whatever the number of responses: invitations, questions, responses,
    answers."""
    counts = scope.invitations(SurveyInvitation.objects.filter(survey=survey)).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered=True)))
    questions = list(survey.questions.all())
    responses = scope.responses(SurveyResponse.objects.filter(survey=survey))
    response_count = responses.count()
    by_question: dict[int, list] = {q.pk: [] for q in questions}
    for row in (SurveyAnswer.objects.filter(response__in=responses, question__in=questions)
                .order_by("response__submitted_on", "pk")
                .values_list("question_id", "scale", "choices", "text")):
        by_question[row[0]].append(row[1:])
    return SurveyResults(survey=survey, scope=scope, invited=counts["invited"],
                         answered=counts["answered"], responses=response_count,
                         questions=[_question_result(q, by_question[q.pk]) for q in questions])


def _question_result(question, rows) -> QuestionResult:
    result = QuestionResult(pk=question.pk, text=question.text, kind=question.kind,
                            answers=len(rows))
    if question.kind == QuestionKind.TEXT:
        result.texts = [text for _scale, _choices, text in rows if text]
        return result
    if question.kind == QuestionKind.SCALE:
        values = [scale for scale, _choices, _text in rows if scale is not None]
        counts = Counter(values)
        labels = [(str(n), n) for n in range(1, 6)]
        if values:
            result.mean = round(sum(values) / len(values), 2)
    else:
        counts = Counter(choice for _scale, choices, _text in rows for choice in choices)
        # The choices as asked today, then any choice answered before it was renamed.
        options = question.options + sorted(set(counts) - set(question.options))
        labels = [(option, option) for option in options]
    total = len(rows)
    result.bars = [Bar(label=label, count=counts.get(key, 0),
                       share=round(100 * counts.get(key, 0) / total, 1) if total else 0.0)
                   for label, key in labels]
    return result
