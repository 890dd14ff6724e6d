from django.db import migrations

DEFAULTS = [
    ("present", "Présent·e", "1.00", True, False, 10),
    ("late", "En retard", "0.50", True, False, 20),
    ("excused", "Excusé·e", "0.50", False, False, 30),
    ("absent", "Absent·e", "0.00", False, True, 40),
]


def create_defaults(apps, schema_editor):
    status_model = apps.get_model("attendance", "AttendanceStatus")
    for code, label, weight, attended, is_absence, order in DEFAULTS:
        status_model.objects.get_or_create(code=code, defaults={
            "label": label, "weight": weight, "attended": attended, "is_absence": is_absence,
            "sort_order": order,
        })


class Migration(migrations.Migration):
    dependencies = [("attendance", "0002_integrity_triggers")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
