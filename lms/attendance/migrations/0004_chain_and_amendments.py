"""The audit trail becomes a hash chain per session (lms.attendance.chain) that also records
the countersignature and the amendments of the session; a session gets an amendment stamp.
The insert-only triggers of 0002 are dropped here (0005 fills the hashes of the existing
entries) and replaced by those of 0006."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ._integrity import drop_0002_triggers, restore_0002_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0003_default_statuses'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_0002_triggers, restore_0002_triggers),
        migrations.AddField(
            model_name='attendancechange',
            name='amendment',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='attendancechange',
            name='entry_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='attendancechange',
            name='kind',
            field=models.CharField(choices=[('mark', 'Mark'), ('signature', 'Signature'), ('check_in', 'Check-in'), ('countersignature', 'Countersignature and lock'), ('session', 'Session details'), ('baseline', 'State recorded when the chain started')], default='mark', max_length=20),
        ),
        migrations.AddField(
            model_name='attendancechange',
            name='prev_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='session',
            name='amended_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='amended at'),
        ),
        migrations.AlterField(
            model_name='attendancechange',
            name='attendance',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='attendance.attendance'),
        ),
        migrations.AlterField(
            model_name='attendancechange',
            name='learner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='attendancechange',
            index=models.Index(fields=['session', 'id'], name='attendance_change_chain'),
        ),
    ]
