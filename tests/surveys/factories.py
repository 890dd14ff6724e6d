from lms.surveys.enums import QuestionKind, SurveyKind
from lms.surveys.models import Survey, SurveyQuestion

QUESTIONS = [
    ("Êtes-vous satisfait·e ?", QuestionKind.SCALE, "", True),
    ("Recommanderiez-vous la formation ?", QuestionKind.SINGLE, "Oui\nPeut-être\nNon", True),
    ("Qu'avez-vous apprécié ?", QuestionKind.MULTIPLE, "Les formateurs\nLe groupe\nLes supports",
     False),
    ("Un commentaire ?", QuestionKind.TEXT, "", False),
]


def make_survey(*, kind=SurveyKind.HOT, anonymous=True, paths=(), title=None, **fields):
    survey = Survey.objects.create(title=title or f"Enquête {kind}", kind=kind,
                                   anonymous=anonymous, **fields)
    if paths:
        survey.paths.set(paths)
        survey.save()  # modelcluster keeps parental relations in memory until saved
    for order, (text, qkind, choices, required) in enumerate(QUESTIONS):
        SurveyQuestion.objects.create(survey=survey, sort_order=order, text=text, kind=qkind,
                                      choices=choices, required=required)
    return survey


def answers_for(survey, *, scale="4", single="Oui", multiple=("Le groupe",), text=""):
    questions = list(survey.questions.all())
    return {f"q{questions[0].pk}": scale, f"q{questions[1].pk}": single,
            f"q{questions[2].pk}": list(multiple), f"q{questions[3].pk}": text}
