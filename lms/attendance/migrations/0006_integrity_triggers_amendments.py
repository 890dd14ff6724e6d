"""Locked means locked in the database too: every proof column of a locked session (date,
times, cohort, module, trainer, room, cancellation) changes only with a fresh amendment stamp,
its lock and countersignature never, and it is never deleted; a mark of a locked session is
inserted, changed only with a fresh override stamp; neither stamp may be set in the future
(which would block every later correction); the audit trail stays insert-only."""

from django.db import migrations

from ._integrity import create_triggers, drop_triggers


class Migration(migrations.Migration):
    dependencies = [("attendance", "0005_chain_existing_entries")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
