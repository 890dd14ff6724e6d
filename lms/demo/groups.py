"""The demo's four groups: who trains them, who is in them and when they meet, relative to
the day the demo is seeded (deterministic for a given day).

- a weekly beginner club on the weekday of the seeding, so that its trainer (the demo
  trainer) has a roll call open today;
- a vocational training in half-days on Mondays and Thursdays;
- a digital-inclusion workshop on Friday mornings;
- the insertion programme's training on Tuesday and Wednesday mornings.

Each group's sessions run from a few weeks before the day to a few weeks after."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from courses.models import TrainingPathPage
from lms.accounts.models import User
from lms.attendance.models import Session
from lms.attendance.services import session_create
from lms.cohorts.models import Cohort
from lms.cohorts.services import cohort_create

from .clock import at, demo_clock

T = datetime.time


@dataclass(frozen=True)
class Slot:
    weekday: int | None  # 0 = Monday; None: the weekday of the seeding
    start: datetime.time
    end: datetime.time
    trainer: str


@dataclass(frozen=True)
class GroupSpec:
    key: str
    path: str
    name: str
    trainers: tuple[str, ...]
    learners: tuple[str, ...]
    weeks_before: int
    weeks_after: int
    slots: tuple[Slot, ...]
    place: str
    room: str
    capacity: int
    what_to_bring: str = ""


GROUPS = (
    GroupSpec(
        key="club", path="club-premiers-pas", name="Club Premiers pas — hebdomadaire",
        trainers=("elodie.rousseau",),
        learners=("marie-helene.bouchard", "gerard.brunet", "monique.riviere", "josiane.texier",
                  "bernard.guillot", "noel.girard", "ginette.baudouin", "jean-claude.payet",
                  "thuha.nguyen", "fatima.benali"),
        weeks_before=6, weeks_after=5,
        slots=(Slot(None, T(14), T(16), "elodie.rousseau"),),
        place="C-Num, 12 rue des Tanneurs, Niort", room="Salle Ada Lovelace", capacity=12,
        what_to_bring="Votre téléphone ou votre tablette si vous en avez un·e, et vos lunettes.",
    ),
    GroupSpec(
        key="vocational", path="assistant-bureautique",
        name="Assistant·e bureautique — promotion d'automne",
        trainers=("karim.haddad", "elodie.rousseau"),
        learners=("maria.ferreira", "francois.chevalier", "aicha.traore", "ibrahima.ndiaye",
                  "mehmet.yilmaz", "ayse.kaya", "olena.kovalenko", "zahra.ahmadi",
                  "sylvie.pineau", "camille.dupuis", "ioana.stefanescu", "marie-josee.hoarau"),
        weeks_before=4, weeks_after=6,
        slots=(Slot(0, T(9), T(12, 30), "karim.haddad"),
               Slot(0, T(13, 30), T(17), "elodie.rousseau"),
               Slot(3, T(9), T(12, 30), "karim.haddad"),
               Slot(3, T(13, 30), T(17), "karim.haddad")),
        place="C-Num, 12 rue des Tanneurs, Niort", room="Salle Grace Hopper", capacity=12,
        what_to_bring="Une clé USB, de quoi prendre des notes et votre CV si vous en avez un.",
    ),
    GroupSpec(
        key="workshop", path="demarches-en-ligne-securite",
        name="Démarches en ligne — atelier du vendredi",
        trainers=("julien.marchand",),
        learners=("ahamada.said", "andrii.shevchenko", "mohammad.alahmad", "awa.coulibaly",
                  "moussa.kone", "youssouf.abdallah", "soifia.alimohamed", "aminata.sow"),
        weeks_before=6, weeks_after=2,
        slots=(Slot(4, T(9, 30), T(12), "julien.marchand"),),
        place="Maison de quartier du Clou-Bouchet, Niort", room="Espace numérique",
        capacity=8,
        what_to_bring="Vos identifiants (numéro fiscal, numéro de sécurité sociale) et votre "
                      "téléphone.",
    ),
    GroupSpec(
        key="insertion", path="chantier-insertion-reconditionnement",
        name="Chantier reconditionnement — équipe en cours",
        trainers=("julien.marchand", "karim.haddad"),
        learners=("ahamada.said", "nassim.bouzid", "minh.tran", "kevin.grondin",
                  "iryna.melnyk", "joao.pereira", "mihai.popescu"),
        weeks_before=5, weeks_after=8,
        slots=(Slot(1, T(9), T(12), "julien.marchand"),
               Slot(2, T(9), T(12), "karim.haddad")),
        place="Atelier C-Num, 3 impasse des Forges, Niort", room="Atelier", capacity=10,
        what_to_bring="Des chaussures fermées ; les gants et la blouse sont fournis.",
    ),
)


def group_spec(key: str) -> GroupSpec:
    return next(spec for spec in GROUPS if spec.key == key)


def cohort_dates(spec: GroupSpec, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today - datetime.timedelta(weeks=spec.weeks_before)
    start -= datetime.timedelta(days=start.weekday())  # the Monday of that week
    end = today + datetime.timedelta(weeks=spec.weeks_after)
    end += datetime.timedelta(days=6 - end.weekday())  # the Sunday of that week
    return start, end


def session_plan(spec: GroupSpec, today: datetime.date):
    """(date, slot) of every session of the group, in order."""
    start, end = cohort_dates(spec, today)
    plan = []
    day = start
    while day <= end:
        for slot in spec.slots:
            weekday = today.weekday() if slot.weekday is None else slot.weekday
            if day.weekday() == weekday:
                plan.append((day, slot))
        day += datetime.timedelta(days=1)
    return sorted(plan, key=lambda item: (item[0], item[1].start))


def demo_cohort(spec: GroupSpec) -> Cohort | None:
    """The group built by the demo: the first one of its path (the demo makes one per path)."""
    return Cohort.objects.filter(path__slug=spec.path).order_by("pk").first()


def users(usernames) -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(username__in=list(usernames))}


def _path_trainers_seed() -> None:
    """The trainers of each path (who create its groups, place its learners and follow it
    whole): those of its demo groups, set only while the path has none (an editor's choice in
    the admin is kept)."""
    by_path: dict[str, list[str]] = {}
    for spec in GROUPS:
        by_path.setdefault(spec.path, [])
        by_path[spec.path] += [name for name in spec.trainers if name not in by_path[spec.path]]
    for slug, usernames in by_path.items():
        path = TrainingPathPage.objects.filter(slug=slug).first()
        if path is None or path.trainers.exists():
            continue
        people = users(usernames)
        path.trainers.set([people[name] for name in usernames])
        path.save()  # a page's parental relation is written on save


def cohorts_demo_seed(*, today: datetime.date) -> int:
    """Give each path its trainers, then create each group with its trainers and sessions
    unless its path already has a group. Returns the number of groups created."""
    _path_trainers_seed()
    created = 0
    for spec in GROUPS:
        if demo_cohort(spec) is not None:
            continue
        with transaction.atomic():
            _group_create(spec, today)
        created += 1
    return created


def _group_create(spec: GroupSpec, today: datetime.date) -> Cohort:
    path = TrainingPathPage.objects.get(slug=spec.path)
    start, end = cohort_dates(spec, today)
    people = users(spec.trainers)
    modules = list(path.modules())
    # Planned before it starts, as a real group is (its creation date is part of its record).
    with demo_clock(at(start - datetime.timedelta(days=21), T(10))):
        cohort = cohort_create(name=spec.name, path=path, start_date=start, end_date=end,
                               place=spec.place, capacity=spec.capacity,
                               what_to_bring=spec.what_to_bring,
                               trainers=[people[name] for name in spec.trainers])
        plan = session_plan(spec, today)
        for index, (day, slot) in enumerate(plan):
            # The path's modules in turn, each over an equal share of the sessions.
            module = modules[min(index * len(modules) // len(plan), len(modules) - 1)]
            session_create(cohort=cohort, date=day, start_time=slot.start, end_time=slot.end,
                           trainer=people[slot.trainer], module=module, room=spec.room)
    return cohort


def past_sessions(cohort: Cohort, today: datetime.date):
    return Session.objects.filter(cohort=cohort, date__lt=today).order_by("date", "start_time")
