"""Demo surveys: a hot and a cold survey of learners (anonymous, every path), a survey of
trainers and one of funders; and, for the demo groups that have ended, invitations logged as
sent and answered responses, so that the pilotage and the audit pack of a demo group show
indicator 30 with evidence."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from lms.cohorts.models import Cohort
from lms.progress.enums import EnrollmentStatus
from lms.progress.models import Enrollment
from lms.surveys import services
from lms.surveys.enums import QuestionKind, SurveyKind
from lms.surveys.models import Survey, SurveyQuestion
from lms.surveys.tokens import invitation_token

HOT_TITLE = "Questionnaire de satisfaction de fin de formation"

SURVEYS = [
    (HOT_TITLE, SurveyKind.HOT, True, [
        ("Globalement, êtes-vous satisfait·e de la formation ?", QuestionKind.SCALE, "", True),
        ("Les contenus répondaient-ils à vos attentes ?", QuestionKind.SCALE, "", True),
        ("Le rythme et la durée étaient-ils adaptés ?", QuestionKind.SCALE, "", True),
        ("L'accueil et les locaux vous ont-ils convenu ?", QuestionKind.SCALE, "", True),
        ("Recommanderiez-vous cette formation à un proche ?", QuestionKind.SINGLE,
         "Oui\nPeut-être\nNon", True),
        ("Qu'avez-vous le plus apprécié ?", QuestionKind.MULTIPLE,
         "Les formateurs\nLes exercices pratiques\nLe groupe\nLes supports", False),
        ("Que pourrions-nous améliorer ?", QuestionKind.TEXT, "", False),
    ]),
    ("Questionnaire à froid (3 mois après)", SurveyKind.COLD, True, [
        ("Utilisez-vous ce que vous avez appris ?", QuestionKind.SCALE, "", True),
        ("Votre situation a-t-elle changé depuis la formation ?", QuestionKind.SINGLE,
         "J'ai trouvé un emploi\nJe suis une autre formation\nJe cherche un emploi\nAutre",
         True),
        ("Un commentaire ?", QuestionKind.TEXT, "", False),
    ]),
    ("Bilan des formateurs", SurveyKind.TRAINERS, False, [
        ("Les conditions matérielles étaient-elles satisfaisantes ?", QuestionKind.SCALE, "",
         True),
        ("Le groupe a-t-il atteint les objectifs ?", QuestionKind.SCALE, "", True),
        ("Observations et propositions", QuestionKind.TEXT, "", False),
    ]),
    ("Satisfaction des financeurs et employeurs", SurveyKind.FUNDERS, False, [
        ("Êtes-vous satisfait·e de l'information reçue pendant la formation ?",
         QuestionKind.SCALE, "", True),
        ("Les compétences acquises répondent-elles à vos besoins ?", QuestionKind.SCALE, "",
         True),
        ("Remarques", QuestionKind.TEXT, "", False),
    ]),
]

COMMENTS = [
    "Plus de temps sur la pratique, s'il vous plaît.",
    "Très bonne ambiance, merci à l'équipe !",
    "La salle était parfois bruyante.",
    "J'aurais aimé un support papier à emporter.",
    "",
]


def _surveys() -> dict[str, Survey]:
    made = {}
    for title, kind, anonymous, questions in SURVEYS:
        survey = Survey.objects.create(title=title, kind=kind, anonymous=anonymous)
        for order, (text, qkind, choices, required) in enumerate(questions):
            SurveyQuestion.objects.create(survey=survey, sort_order=order, text=text,
                                          kind=qkind, choices=choices, required=required)
        made[kind] = survey
    return made


def _answers(survey: Survey, rng: random.Random) -> dict:
    data = {}
    for question in survey.questions.all():
        key = f"q{question.pk}"
        if question.kind == QuestionKind.SCALE:
            data[key] = str(rng.choices([2, 3, 4, 5], weights=[1, 2, 5, 4])[0])
        elif question.kind == QuestionKind.SINGLE:
            data[key] = rng.choices(question.options, weights=[6, 2, 1, 1][:len(
                question.options)])[0]
        elif question.kind == QuestionKind.MULTIPLE:
            data[key] = rng.sample(question.options, rng.randint(1, 2))
        else:
            data[key] = rng.choice(COMMENTS)
    return data


def _ask(survey, *, moment, answer: bool, rng, **who) -> None:
    invitation = services.invitation_create(survey=survey, now=moment, send=False, **who)
    if invitation is None:
        return
    services.invitation_send(invitation_id=invitation.pk, now=moment, deliver=False)
    if answer:
        services.response_submit(token=invitation_token(invitation),
                                 data=_answers(survey, rng),
                                 now=moment + datetime.timedelta(days=rng.randint(0, 6)))


@transaction.atomic
def surveys_demo_seed(*, today: datetime.date | None = None) -> bool:
    """Create the demo surveys and their answers unless the demo hot survey exists
    (idempotent). Returns whether anything was created."""
    if Survey.objects.filter(title=HOT_TITLE).exists():
        return False
    today = today or timezone.localdate()
    surveys = _surveys()
    for cohort in Cohort.objects.filter(end_date__lt=today).select_related("path"):
        rng = random.Random(cohort.pk)
        ended = timezone.make_aware(datetime.datetime.combine(
            cohort.end_date + datetime.timedelta(days=1), datetime.time(9, 0)))
        enrollments = (Enrollment.objects.filter(cohort=cohort)
                       .exclude(status=EnrollmentStatus.WITHDRAWN)
                       .select_related("learner", "path").order_by("pk"))
        for enrollment in enrollments:
            _ask(surveys[SurveyKind.HOT], moment=ended, answer=rng.random() < 0.8, rng=rng,
                 person=enrollment.learner, cohort=cohort, path=enrollment.path)
            cold_at = ended + datetime.timedelta(days=surveys[SurveyKind.COLD].delay_days)
            if cold_at.date() < today:
                _ask(surveys[SurveyKind.COLD], moment=cold_at, answer=rng.random() < 0.5,
                     rng=rng, person=enrollment.learner, cohort=cohort,
                     path=enrollment.path)
        for trainer in cohort.trainers.all():
            _ask(surveys[SurveyKind.TRAINERS], moment=ended, answer=True, rng=rng,
                 person=trainer, cohort=cohort)
        _ask(surveys[SurveyKind.FUNDERS], moment=ended, answer=True, rng=rng,
             name="Entreprise Solidaire du Numérique", email="rh@example.org", cohort=cohort)
    # Learners who completed their path in a group still running got the hot survey then.
    completed = (Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED,
                                           cohort__end_date__gte=today)
                 .select_related("learner", "path", "cohort").order_by("pk"))
    for enrollment in completed:
        moment = (enrollment.completed_at or timezone.now()) + datetime.timedelta(hours=1)
        _ask(surveys[SurveyKind.HOT], moment=moment, answer=True,
             rng=random.Random(enrollment.pk), person=enrollment.learner,
             cohort=enrollment.cohort, path=enrollment.path)
    return True
