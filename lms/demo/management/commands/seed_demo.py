from django.core.management.base import BaseCommand
from django.utils import translation

from lms.demo.services import demo_seed


class Command(BaseCommand):
    help = "Create the demo tiers-lieu: referential, catalogue, team and learners (idempotent)."

    def handle(self, *args, **options):
        translation.activate("en")
        report = demo_seed()
        self.stdout.write(
            f"Demo data ready: {report.pages_created} pages and {report.users_created} "
            "accounts created."
        )
        self.stdout.write(f"Demo accounts (password for all: {report.password}):")
        for role, username, name in report.accounts:
            self.stdout.write(f"  {role:<16} {username:<24} {name}")
