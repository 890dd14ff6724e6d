# Mounted under /emargement/groupes/, beside the attendance app's group pages.
from lms.cohorts.views import app_name, urlpatterns  # noqa: F401
