"""What every attendance viewset shares: the cohorts its inputs choose from, and the answer to
a write the database refused."""

from django.utils.translation import gettext_lazy

from lms.cohorts.models import Cohort
from lms.core.api import ScopedViewSetMixin


class AttendanceViewSetMixin(ScopedViewSetMixin):
    # The database triggers are the last guard (e.g. a sheet locked meanwhile).
    conflict_message = gettext_lazy("This change conflicts with the recorded attendance: "
                                    "reload and try again.")

    def scopes(self, user) -> dict:
        return {"cohorts": Cohort.objects.visible_to(user)}
