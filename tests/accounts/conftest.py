import pytest

SITE_URL = "https://parcours.exemple.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    # Links in e-mails and handouts are built from SITE_URL: a fixed one to look for.
    settings.SITE_URL = SITE_URL
