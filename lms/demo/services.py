"""Demo data: a believable tiers-lieu with its catalogue, its team and its learners.

Seeding is idempotent: what exists (found by slug or username) is left as editors left it,
only what is missing is created."""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.text import slugify
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from courses.models import (
    Audience,
    CatalogueIndexPage,
    Competence,
    HomePage,
    LessonPage,
    ModuleCompetence,
    ModulePage,
    TrainingPathPage,
)
from courses.referential import referential_load_all
from lms.accounts.enums import Role
from lms.accounts.models import Organisation, User

from .images import signature_png, stamp_png

DATA_DIR = Path(__file__).resolve().parent / "data"

ROLE_GROUPS = {
    "manager": Role.MANAGER,
    "trainers": Role.TRAINER,
    "insertion_staff": Role.INSERTION_STAFF,
    "learners": Role.LEARNER,
}


@dataclass
class SeedReport:
    pages_created: int = 0
    users_created: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # role, username, name
    password: str = ""


def _child(parent: Page, model, slug: str):
    return model.objects.child_of(parent).filter(slug=slug).first()


def _add_page(parent: Page, page: Page, report: SeedReport) -> Page:
    # Published directly: editors' first save in the admin starts the revision history.
    page.first_published_at = page.last_published_at = timezone.now()
    parent.add_child(instance=page)
    report.pages_created += 1
    return page


def _home_page(report: SeedReport) -> HomePage:
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    home = _add_page(root, HomePage(
        title="Se former au numérique, à son rythme",
        slug="accueil",
        intro="<p>Clubs débutants, ateliers, formations et chantier d'insertion : "
              "trouvez le parcours qui vous convient et suivez vos progrès.</p>",
    ), report)
    # The site's address is the one it is served at, so that absolute page URLs (API, emails)
    # lead somewhere.
    address = urlsplit(settings.SITE_URL)
    default_port = 443 if address.scheme == "https" else 80
    site = Site.objects.filter(is_default_site=True).first()
    old_root = site.root_page if site else None
    if site:
        site.root_page = home
        site.site_name = "Parcours"
        site.hostname = address.hostname or "localhost"
        site.port = address.port or default_port
        site.save()
    else:
        Site.objects.create(hostname=address.hostname or "localhost",
                            port=address.port or default_port, root_page=home,
                            is_default_site=True, site_name="Parcours")
    # Wagtail's placeholder "Welcome" page is useless once the real home exists.
    if old_root and old_root.specific_class is Page and not old_root.get_children().exists():
        old_root.delete()
    return home


def _lesson_body(blocks: list[dict]) -> str:
    body = []
    for block in blocks:
        value = block["value"]
        if block["type"] == "checklist":
            value = {**value, "steps": [
                step if isinstance(step, dict) else {"text": step} for step in value["steps"]
            ]}
        body.append({"type": block["type"], "value": value})
    return json.dumps(body)


def _seed_catalogue(data: dict, report: SeedReport) -> None:
    home = _home_page(report)
    catalogue = _child(home, CatalogueIndexPage, "catalogue") or _add_page(home, CatalogueIndexPage(
        title="Catalogue des parcours",
        slug="catalogue",
        intro="<p>Tous nos parcours, du premier clic à la certification.</p>",
    ), report)
    audiences = {}
    for item in data["audiences"]:
        audiences[item["slug"]], _ = Audience.objects.get_or_create(
            slug=item["slug"], defaults={"name": item["name"]}
        )
    competences = {
        (c.area.framework.code, c.code): c for c in Competence.objects.with_framework()
    }
    for path_data in data["paths"]:
        path = _child(catalogue, TrainingPathPage, path_data["slug"])
        if path is None:
            objectives = "".join(f"<li>{item}</li>" for item in path_data["objectives"])
            path = TrainingPathPage(
                title=path_data["title"], slug=path_data["slug"], kind=path_data["kind"],
                summary=path_data["summary"], objectives=f"<ul>{objectives}</ul>",
                prerequisites=path_data["prerequisites"],
                duration_hours=Decimal(str(path_data["duration_hours"])),
                modality=path_data["modality"],
                assessment_methods=path_data["assessment_methods"],
                certification=path_data["certification"],
                accessibility=path_data["accessibility"], funding=path_data["funding"],
                contact_name=path_data["contact_name"], contact_email=path_data["contact_email"],
                contact_phone=path_data["contact_phone"],
                self_enrolment=path_data.get("self_enrolment", False),
            )
            path.audiences = [audiences[slug] for slug in path_data["audiences"]]
            _add_page(catalogue, path, report)
        for module_data in path_data["modules"]:
            module = _child(path, ModulePage, module_data["slug"])
            if module is None:
                module = ModulePage(
                    title=module_data["title"], slug=module_data["slug"],
                    summary=module_data["summary"],
                    duration_hours=Decimal(str(module_data["duration_hours"])),
                )
                module.competences = [
                    ModuleCompetence(
                        competence=competences[(target["framework"], target["code"])],
                        target_level=target["target_level"],
                    )
                    for target in module_data["competences"]
                ]
                _add_page(path, module, report)
            for lesson_data in module_data["lessons"]:
                if _child(module, LessonPage, lesson_data["slug"]) is None:
                    _add_page(module, LessonPage(
                        title=lesson_data["title"], slug=lesson_data["slug"],
                        summary=lesson_data["summary"],
                        duration_minutes=lesson_data["duration_minutes"],
                        required=lesson_data.get("required", True),
                        body=_lesson_body(lesson_data["body"]),
                    ), report)


def _seed_organisation(data: dict) -> None:
    organisation = Organisation.load()
    if organisation.siret:  # already configured: leave the manager's edits alone
        return
    for key, value in data.items():
        setattr(organisation, key, value)
    organisation.full_clean()
    organisation.save()


def _seed_signatory(data: dict) -> None:
    """What documents and convocations print of the signatory and the place, filled where
    still empty (a manager's own signature and stamp are kept)."""
    organisation = Organisation.load()
    images = get_image_model().objects
    for key, value in data.items():
        if not getattr(organisation, key):
            setattr(organisation, key, value)
    if organisation.signature_image_id is None:
        organisation.signature_image = images.create(
            title="Signature de la directrice (démo)",
            file=signature_png(organisation.signatory_name))
    if organisation.stamp_image_id is None:
        organisation.stamp_image = images.create(
            title="Cachet de l'association (démo)",
            file=stamp_png([organisation.legal_name or organisation.name, organisation.city,
                            f"SIRET {organisation.siret}"]))
    organisation.save()


def _seed_people(data: dict, report: SeedReport) -> None:
    editors = Group.objects.filter(name="Editors").first()
    report.password = data["password"]
    # The demo's one public password, hashed once for all its accounts: hashing it again for
    # each (PBKDF2, slow on purpose) took a third of `make run`'s seeding.
    encoded = make_password(data["password"])
    for group, role in ROLE_GROUPS.items():
        for person in data[group]:
            username = person["username"] or slugify(person["last_name"])
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": person["first_name"],
                    "last_name": person["last_name"],
                    "email": person.get("email", ""),
                    "phone": person.get("phone", ""),
                },
            )
            if created:
                user.password = encoded
                report.users_created += 1
            setattr(user, User.ROLE_FIELDS[role], True)
            if role is Role.MANAGER:
                # The manager runs the place: content, settings and people in the admin.
                user.is_staff = user.is_superuser = True
            elif role is Role.TRAINER:
                user.is_staff = True  # trainers edit lessons in the Wagtail admin
            user.save()
            if role is Role.TRAINER and editors:
                user.groups.add(editors)
            if role is not Role.LEARNER:
                report.accounts.append((role.label, user.username, str(user)))
    learners = User.objects.learners().order_by("username")
    first = learners.first()
    if first:
        others = learners.count() - 1
        report.accounts.append((Role.LEARNER.label, first.username, f"{first} (+ {others})"))


# The activity of the tiers-lieu, app by app, in this order (each is idempotent and takes the
# day the demo is seeded): groups and sessions, then learners placed in them, their attendance,
# the insertion follow-up, the messages sent, the quality register and funding, the documents.
DEMO_SEEDS = (
    "lms.demo.groups.cohorts_demo_seed",
    "lms.demo.seeds.progress.progress_demo_seed",
    "lms.demo.seeds.attendance.attendance_demo_seed",
    "lms.demo.seeds.insertion.insertion_demo_seed",
    "lms.demo.seeds.convocations.convocations_demo_seed",
    "lms.demo.seeds.quality.quality_demo_seed",
    "lms.demo.seeds.quality.funding_demo_seed",
    "lms.demo.seeds.certificates.certificates_demo_seed",
    "lms.demo.seeds.surveys.surveys_demo_seed",
    # Last: the pack gathers the evidence every seed above made.
    "lms.demo.seeds.auditpack.auditpack_demo_seed",
)


@transaction.atomic
def _seed_site(report: SeedReport, data_dir: Path) -> None:
    referential_load_all()
    catalogue = json.loads((data_dir / "catalogue.json").read_text(encoding="utf-8"))
    people = json.loads((data_dir / "people.json").read_text(encoding="utf-8"))
    _seed_organisation(catalogue["organisation"])
    _seed_signatory(catalogue["signatory"])
    _seed_catalogue(catalogue, report)
    _seed_people(people, report)


def demo_seed(*, data_dir: Path = DATA_DIR, today: datetime.date | None = None,
              activity: bool = True) -> SeedReport:
    """Seed the site, its people and (unless `activity` is false) a few weeks of activity
    around `today` (the day it runs by default). Each step commits on its own, as the real
    work did: the messages and the documents a commit sets going are then sent and rendered
    as in use.

    In French, as the staff and learners work; and the demo's e-mails (to example.org-style
    addresses of people who do not exist) are kept in memory, never sent: the log of what was
    sent (convocations, alerts) is written as usual."""
    report = SeedReport()
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE), override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        _seed_site(report, data_dir)
        for dotted in DEMO_SEEDS if activity else ():
            import_string(dotted)(today=today)
    return report
