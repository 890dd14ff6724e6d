"""Signals of the progress app that apps further down the dependency line listen to."""

from django.dispatch import Signal

# A learner was placed in a cohort (a membership opened: enrolment, move, reopening), sent
# inside the transaction that places them: a receiver records in that same transaction what it
# must do (an outbox row), and leaves anything outside the database to on_commit. An error of a
# receiver undoes the placement. Arguments: membership_id.
learner_placed = Signal()
