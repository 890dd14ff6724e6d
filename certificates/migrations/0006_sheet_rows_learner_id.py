"""Attendance sheets issued before rows carried the learner's id: each row gets the id of the
one learner of the sheet's cohort (enrolled, in its memberships, or marked at its sessions)
who has the name it prints. A personal-data erasure finds rows by that id, never by name; a
row whose name two learners of the cohort share is left without it (the erasure then leaves
it as printed, and the sheet expires with its retention)."""

from collections import defaultdict

from django.db import migrations


def printed_name(first_name, last_name, username):
    return f"{first_name} {last_name}".strip() or username


def backfill(apps, schema_editor):
    Document = apps.get_model("certificates", "Document")
    Enrollment = apps.get_model("progress", "Enrollment")
    CohortMembership = apps.get_model("progress", "CohortMembership")
    Attendance = apps.get_model("attendance", "Attendance")
    fields = ("first_name", "last_name", "username")
    names_by_cohort = {}

    def names_of(cohort_id):
        if cohort_id not in names_by_cohort:
            people = set()
            people.update(Enrollment.objects.filter(cohort_id=cohort_id).values_list(
                "learner_id", *(f"learner__{name}" for name in fields)))
            people.update(CohortMembership.objects.filter(cohort_id=cohort_id).values_list(
                "enrollment__learner_id",
                *(f"enrollment__learner__{name}" for name in fields)))
            people.update(Attendance.objects.filter(session__cohort_id=cohort_id).values_list(
                "learner_id", *(f"learner__{name}" for name in fields)))
            by_name = defaultdict(set)
            for pk, first_name, last_name, username in people:
                by_name[printed_name(first_name, last_name, username)].add(pk)
            names_by_cohort[cohort_id] = by_name
        return names_by_cohort[cohort_id]

    for document in Document.objects.filter(kind="attendance_sheet").exclude(snapshot={}):
        rows = document.snapshot.get("rows", [])
        changed = False
        for row in rows:
            if "learner_id" in row or document.cohort_id is None:
                continue
            ids = names_of(document.cohort_id).get(row.get("name"), set())
            if len(ids) == 1:
                row["learner_id"] = next(iter(ids))
                changed = True
        if changed:
            Document.objects.filter(pk=document.pk).update(snapshot=document.snapshot)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0005_document_lease"),
        ("progress", "0003_backfill_cohort_memberships"),
        ("attendance", "0007_change_kind_erasure"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
