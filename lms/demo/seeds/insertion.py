"""The demo's insertion programme (chantier d'insertion): ten trainees with their PASS IAE and
CDDI contracts, plans with milestones, obstacles assessed, interviews, and four exits, one of
each category. The active ones are the learners of the demo's insertion group
(lms.demo.groups). Written through the services on their days; idempotent (the programme is
made once, and a trainee once)."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from courses.models import TrainingPathPage
from lms.accounts.models import User
from lms.demo.clock import at, demo_clock
from lms.insertion.enums import (
    ExitCategory,
    ExitOutcome,
    InterviewKind,
    ObjectiveCategory,
    ObjectiveStatus,
    ObstacleCategory,
)
from lms.insertion.models import Programme, Trainee
from lms.insertion.services import (
    contract_add,
    exit_record,
    interview_record,
    milestone_add,
    milestone_done,
    objective_add,
    objective_set_status,
    obstacle_assess,
    programme_create,
    trainee_create,
)

PROGRAMME_NAME = "Chantier d'insertion — Atelier reconditionnement"
T = datetime.time
D = datetime.timedelta


@dataclass(frozen=True)
class TraineeSpec:
    username: str
    months_in: int  # since entry
    referent: str
    obstacles: tuple[tuple[str, int, str], ...]
    project: str
    exit: tuple[str, str, str] | None = None  # category, outcome, comment


TRAINEES = (
    TraineeSpec("ahamada.said", 5, "mamadou.diallo",
                ((ObstacleCategory.MOBILITY, 2, "Pas de permis ; vélo prêté par l'atelier."),
                 (ObstacleCategory.DIGITAL, 1, "Progresse vite au reconditionnement.")),
                "Technicien de maintenance informatique"),
    TraineeSpec("nassim.bouzid", 8, "mamadou.diallo",
                ((ObstacleCategory.HOUSING, 3, "Hébergé chez un ami ; demande SIAO en cours."),),
                "Préparateur de commandes en logistique"),
    TraineeSpec("minh.tran", 3, "sandrine.moreau",
                ((ObstacleCategory.LANGUAGE, 2, "Cours de français deux soirs par semaine."),),
                "Réparateur de smartphones"),
    TraineeSpec("kevin.grondin", 6, "sandrine.moreau",
                ((ObstacleCategory.HEALTH, 2, "Suivi médical régulier ; absences à surveiller."),
                 (ObstacleCategory.FINANCES, 2, "Dettes ; dossier de surendettement déposé.")),
                "Agent d'accueil en médiathèque"),
    TraineeSpec("iryna.melnyk", 4, "mamadou.diallo",
                ((ObstacleCategory.LANGUAGE, 2, "Niveau A2 ; ateliers FLE."),
                 (ObstacleCategory.CHILDCARE, 1, "Place en crèche trouvée en septembre.")),
                "Assistante administrative"),
    TraineeSpec("joao.pereira", 10, "sandrine.moreau",
                ((ObstacleCategory.ADMINISTRATIVE, 1, "Titre de séjour renouvelé."),),
                "Technicien support informatique"),
    TraineeSpec("mihai.popescu", 2, "mamadou.diallo",
                ((ObstacleCategory.MOBILITY, 1, "Bus ; horaires compatibles."),),
                "Magasinier"),
    TraineeSpec("yanis.cherif", 14, "mamadou.diallo",
                ((ObstacleCategory.MOBILITY, 1, "Permis obtenu pendant le parcours."),),
                "Technicien de maintenance",
                (ExitCategory.SUSTAINABLE_EMPLOYMENT, ExitOutcome.CDI,
                 "CDI chez un reconditionneur de Niort.")),
    TraineeSpec("ahmad.rahimi", 12, "sandrine.moreau",
                ((ObstacleCategory.LANGUAGE, 2, "Progrès nets à l'oral."),),
                "Préparateur de commandes",
                (ExitCategory.TRANSITION_EMPLOYMENT, ExitOutcome.TEMPORARY_WORK,
                 "Missions d'intérim en logistique, trois mois renouvelables.")),
    TraineeSpec("nataliia.bondarenko", 11, "mamadou.diallo",
                ((ObstacleCategory.CHILDCARE, 1, "Garde assurée par la famille."),),
                "Secrétaire médicale",
                (ExitCategory.POSITIVE_EXIT, ExitOutcome.QUALIFYING_TRAINING,
                 "Entrée en formation qualifiante de secrétaire médicale (GRETA).")),
    TraineeSpec("youssef.elamri", 9, "sandrine.moreau",
                ((ObstacleCategory.HEALTH, 3, "Arrêt de longue durée."),),
                "À redéfinir",
                (ExitCategory.OTHER, ExitOutcome.HEALTH,
                 "Sortie pour raisons de santé ; relais pris par le médecin traitant.")),
)


def _months_ago(today: datetime.date, months: int) -> datetime.date:
    day = today - D(days=round(months * 30.4375))
    return day - D(days=day.weekday())  # entries are on Mondays


def insertion_demo_seed(*, today: datetime.date) -> int:
    """Create the programme and its trainees. Returns the trainees created."""
    staff = {user.username: user for user in User.objects.filter(is_insertion_staff=True)}
    lead = staff.get("mamadou.diallo")
    if lead is None:
        return 0
    programme = Programme.objects.filter(name=PROGRAMME_NAME).first()
    if programme is None:
        programme = programme_create(
            name=PROGRAMME_NAME, start_date=_months_ago(today, 18), co_financed=True,
            funders="État (DDETS), Département des Deux-Sèvres, FSE+", staff=list(staff.values()))
    learners = {user.username: user for user in User.objects.filter(
        username__in=[spec.username for spec in TRAINEES])}
    path = TrainingPathPage.objects.filter(slug="chantier-insertion-reconditionnement").first()
    created = 0
    for number, spec in enumerate(TRAINEES):
        learner = learners.get(spec.username)
        if learner is None or Trainee.objects.filter(programme=programme,
                                                     learner=learner).exists():
            continue
        with transaction.atomic():
            _trainee(programme, learner, spec, staff=staff, today=today, number=number,
                     path=path)
        created += 1
    return created


def _trainee(programme, learner, spec, *, staff, today, number, path) -> Trainee:
    referent = staff[spec.referent]
    entry = _months_ago(today, spec.months_in)
    with demo_clock(at(entry, T(9, 30))):
        trainee = trainee_create(
            programme=programme, learner=learner, by=referent, entry_date=entry,
            referent=referent, pass_iae_number=f"99999{2500000 + 7919 * number:07d}",
            pass_iae_start=entry - D(days=10), pass_iae_end=entry - D(days=10) + D(days=730))
        # A first CDDI of 6 months (the minimum is 4), renewed for those who stay longer.
        first_end = entry + D(days=182)
        contract_add(trainee=trainee, by=referent, start_date=entry, end_date=first_end,
                     weekly_hours=26 if number % 3 else 24)
        if spec.months_in > 6:
            contract_add(trainee=trainee, by=referent, start_date=first_end + D(days=1),
                         end_date=first_end + D(days=183), weekly_hours=26)
        for category, severity, note in spec.obstacles:
            obstacle_assess(trainee=trainee, by=referent, category=category,
                            severity=severity, note=note, on=entry)
        interview_record(trainee=trainee, by=referent, date=entry, kind=InterviewKind.INITIAL,
                         notes=f"Accueil et diagnostic. Projet : {spec.project.lower()}.",
                         next_steps="Signer le contrat, visite de l'atelier, premier "
                                    "point dans un mois.")
        project = objective_add(trainee=trainee, by=referent,
                                category=ObjectiveCategory.PROFESSIONAL,
                                title=f"Projet professionnel : {spec.project}",
                                target_date=entry + D(days=300))
        training = objective_add(trainee=trainee, by=referent,
                                 category=ObjectiveCategory.TRAINING,
                                 title="Suivre la formation de l'atelier reconditionnement",
                                 target_date=entry + D(days=120), training_path=path)
        social = objective_add(trainee=trainee, by=referent, category=ObjectiveCategory.SOCIAL,
                               title=spec.obstacles[0][2].split(";")[0].rstrip("."),
                               target_date=entry + D(days=90))
        steps = (
            milestone_add(objective=project, by=referent, title="Rédiger son CV",
                          due_date=entry + D(days=45)),
            milestone_add(objective=project, by=referent,
                          title="Faire une période d'immersion (PMSMP)",
                          due_date=entry + D(days=120)),
            milestone_add(objective=training, by=referent, title="Valider le quiz sécurité",
                          due_date=entry + D(days=30)),
        )
    for milestone in steps:
        if milestone.due_date and milestone.due_date < today:
            with demo_clock(at(milestone.due_date - D(days=3), T(11))):
                milestone_done(milestone=milestone, by=referent)
    objective_set_status(objective=project, by=referent, status=ObjectiveStatus.IN_PROGRESS)
    if spec.months_in >= 4:
        objective_set_status(objective=training, by=referent, status=ObjectiveStatus.ACHIEVED)
        objective_set_status(objective=social, by=referent, status=ObjectiveStatus.IN_PROGRESS)
    exit_day = None
    if spec.exit is not None:
        exit_day = min(entry + D(days=round(spec.months_in * 30.4375) - 20),
                       today - D(days=10))
    # An interview every two months (the third one is the mid-term review) until the exit.
    for month in range(2, spec.months_in + 1, 2):
        day = entry + D(days=round(month * 30.4375))
        if day >= (exit_day or today):
            break
        with demo_clock(at(day, T(14))):
            kind = InterviewKind.MID_TERM if month == 6 else InterviewKind.REGULAR
            interview_record(trainee=trainee, by=referent, date=day, kind=kind,
                             notes="Point sur le contrat, l'atelier et les démarches. "
                                   f"{spec.obstacles[0][2]}",
                             next_steps="Continuer les candidatures ; prochain point dans "
                                        "deux mois.")
    if spec.exit is not None:
        category, outcome, comment = spec.exit
        with demo_clock(at(exit_day, T(16))):
            interview_record(trainee=trainee, by=referent, date=exit_day,
                             kind=InterviewKind.EXIT, notes=comment,
                             next_steps="Bilan de sortie transmis au prescripteur.")
            exit_record(trainee=trainee, by=referent, date=exit_day, category=category,
                        outcome=outcome, comment=comment)
    return trainee
