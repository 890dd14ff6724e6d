"""Point the default Wagtail site at SITE_URL's host and port (idempotent).

`make run` runs it before serving: absolute page URLs (the API's page links, e-mails) are
built from the Site record, which must follow the host and port served, as SITE_URL does."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand
from wagtail.models import Site


class Command(BaseCommand):
    help = "Set the default site's host name and port to those of SITE_URL."

    def handle(self, *args, **options):
        address = urlsplit(settings.SITE_URL)
        hostname = address.hostname or "localhost"
        port = address.port or (443 if address.scheme == "https" else 80)
        updated = (Site.objects.filter(is_default_site=True)
                   .exclude(hostname=hostname, port=port)
                   .update(hostname=hostname, port=port))
        if updated:
            Site.clear_site_root_paths_cache()  # .update() sends no signal to clear it
            self.stdout.write(f"Default site now at {hostname}:{port}.")
