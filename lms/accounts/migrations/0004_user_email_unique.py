from django.db import migrations, models
from django.db.models.functions import Lower


def refuse_shared_addresses(apps, schema_editor):
    """Accounts that share an address can't be merged by a migration (which one keeps the
    records?): list them, so that a manager fixes them, then migrate again."""
    User = apps.get_model("accounts", "User")
    shared = (User.objects.exclude(email="").annotate(address=Lower("email"))
              .values("address").annotate(count=models.Count("id"))
              .filter(count__gt=1).values_list("address", flat=True))
    if shared:
        accounts = User.objects.annotate(address=Lower("email")).filter(address__in=shared)
        listing = "\n".join(f"  {user.address}: #{user.pk} {user.username}"
                            for user in accounts.order_by("address", "pk"))
        raise RuntimeError("These accounts share an e-mail address; give each its own (or "
                           f"none) before migrating (`manage.py shared_emails` lists them):"
                           f"\n{listing}")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_user_erased_at"),
    ]

    operations = [
        migrations.RunPython(refuse_shared_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(("email", ""), _negated=True), name="user_email_unique",
                violation_error_message="Another account already uses this e-mail address.",
            ),
        ),
    ]
