"""Accounts that share an e-mail address (case aside): what migration accounts.0004 refuses.
Run it before upgrading an installation that predates that migration."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.db.models.functions import Lower

from lms.accounts.models import User


def shared_addresses() -> dict[str, list[User]]:
    shared = (User.objects.exclude(email="").annotate(address=Lower("email"))
              .values("address").annotate(count=Count("id")).filter(count__gt=1)
              .values_list("address", flat=True))
    accounts: dict[str, list[User]] = {}
    for user in (User.objects.annotate(address=Lower("email")).filter(address__in=shared)
                 .order_by("address", "pk")):
        accounts.setdefault(user.address, []).append(user)
    return accounts


class Command(BaseCommand):
    help = "List the accounts that share an e-mail address; exit 1 if there are any."

    def handle(self, *args, **options):
        accounts = shared_addresses()
        for address, users in accounts.items():
            listing = ", ".join(f"#{user.pk} {user.username}" for user in users)
            self.stdout.write(f"{address}: {listing}")
        if accounts:
            raise CommandError(f"{len(accounts)} address(es) shared: give each account its "
                               "own address, or none, then migrate.")
        self.stdout.write("No address is shared.")
