import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from lms.privacy.erasure import personal_data_erase

from .personal_data_export import get_user


class Command(BaseCommand):
    help = ("Anonymise a learner's account (right to erasure); issued documents stay "
            "verifiable until the end of their retention.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True,
                            help="The request and its date: kept in the erasure record.")
        parser.add_argument("--by", help="Username of the manager asking for the erasure.")
        parser.add_argument("--yes", action="store_true", help="Don't ask for confirmation.")

    def handle(self, *args, username, reason, by=None, yes=False, **options):
        user = get_user(username)
        manager = get_user(by) if by else None
        if not reason.strip():
            raise CommandError("Give the reason for the erasure with --reason.")
        if not yes:
            answer = input(f"Anonymise the account {username!r} ({user})? This cannot be "
                           "undone. Type yes to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was changed.")
        try:
            result = personal_data_erase(user=user, by=manager, reason=reason)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", None) or [str(error)])
                               ) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
