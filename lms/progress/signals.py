"""Signals of the progress app that apps further down the dependency line listen to."""

from django.dispatch import Signal

# A learner was placed in a cohort (a membership opened: enrolment, move, reopening), sent
# once the transaction is committed. Arguments: membership_id.
learner_placed = Signal()
