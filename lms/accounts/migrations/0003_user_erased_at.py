from django.db import migrations, models
from django.utils import timezone

# Accounts erased before the date was kept: recognised by what the erasure leaves
# (lms.core.personal_data: anonymous names and username, inactive); their date is unknown,
# the migration's stands in for it.
ANONYMOUS_USERNAME_PREFIX = "anonyme-"
ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME = "Personne", "anonymisée"


def mark_erased_accounts(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(
        username__startswith=ANONYMOUS_USERNAME_PREFIX, first_name=ANONYMOUS_FIRST_NAME,
        last_name=ANONYMOUS_LAST_NAME, is_active=False, erased_at__isnull=True,
    ).update(erased_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_organisation_default_place_organisation_logo_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True,
                                       verbose_name="personal data erased on"),
        ),
        migrations.RunPython(mark_erased_accounts, migrations.RunPython.noop),
    ]
