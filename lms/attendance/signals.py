"""Signals of the attendance app. Apps further down the dependency line (certificates) listen
to them: attendance never imports them."""

from django.dispatch import Signal

# A locked sheet was amended by a manager (a session detail, a mark or a signature), sent once
# the transaction is committed. Arguments: session_id, by (the manager), reason, cohort_ids
# and dates (before and after the amendment: the week sheets and the certificates built from
# either must be issued again).
sheet_amended = Signal()

# Sessions were created, changed or cancelled (or cancelled no more), sent inside the
# transaction that changes them: a receiver records in that same transaction what it must do
# (an outbox row), and leaves anything outside the database to on_commit. An error of a
# receiver undoes the change. Arguments: session_ids.
sessions_changed = Signal()
