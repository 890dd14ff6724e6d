import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lms.privacy.export import personal_data_export


def get_user(username: str):
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No account with the username {username!r}.") from None


class Command(BaseCommand):
    help = "Everything held about a person, as JSON (right of access)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--output", help="Write to this file instead of the standard output.")
        parser.add_argument("--by", help="Username of the staff member asking: the reading of "
                                         "confidential interview notes is logged in their name.")

    def handle(self, *args, username, output=None, by=None, **options):
        user = get_user(username)
        data = personal_data_export(user=user, by=get_user(by) if by else None)
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Personal data of {username} written to {output}.")
        else:
            self.stdout.write(text)
