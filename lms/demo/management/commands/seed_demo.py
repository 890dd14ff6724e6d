import time

from django.core.management.base import BaseCommand
from django.utils import translation

from lms.demo.services import demo_seed


class Command(BaseCommand):
    help = ("Create the demo tiers-lieu: referential, catalogue, team and learners, and a few "
            "weeks of activity around today (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--site-only", action="store_true",
                            help="Only the referential, the pages and the accounts.")

    def handle(self, *args, **options):
        translation.activate("en")
        started = time.monotonic()
        report = demo_seed(activity=not options["site_only"])
        self.stdout.write(
            f"Demo data ready: {report.pages_created} pages and {report.users_created} "
            f"accounts created ({time.monotonic() - started:.0f} s)."
        )
        self.stdout.write(f"Demo accounts (password for all: {report.password}):")
        for role, username, name in report.accounts:
            self.stdout.write(f"  {role:<16} {username:<24} {name}")
