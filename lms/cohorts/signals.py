"""Signals of the cohorts app. Cohorts sit at the bottom of the dependency line: the apps
that hang records on a cohort (attendance's sessions) answer these, cohorts never imports
them."""

from django.dispatch import Signal

# Sent inside the transaction before a cohort's dates change (an edit or a closing). A
# receiver refuses with a ValidationError naming "start_date" or "end_date" (e.g. sessions
# that would fall outside the new dates). kwargs: cohort (as it is), start_date, end_date (the
# new dates), closing (True when cohort_close shortens the cohort).
cohort_dates_changing = Signal()
