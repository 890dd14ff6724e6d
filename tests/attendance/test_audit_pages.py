"""The audit trail, readable (point 7 of issue 11): a page per session and per learner of a
cohort for its trainers and managers, and the "History" sheet of the cohort's XLSX."""

import io

import pytest
from openpyxl import load_workbook

from lms.attendance import services
from lms.attendance.enums import ChangeKind, SignatureMethod
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance import locked_world
from tests.attendance.locked_world import marks
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

group, open_session, locked = locked_world.group, locked_world.open_session, locked_world.locked


def session_history_url(session):
    return f"/emargement/groupes/{session.cohort_id}/seances/{session.pk}/historique/"


def learner_history_url(cohort, learner):
    return f"/emargement/groupes/{cohort.pk}/apprenants/{learner.pk}/historique/"


def test_the_session_history_reads_before_after_who_when_why(client, locked, group, manager,
                                                             trainer):
    services.roll_call_save(session=locked, by=manager, marks=marks((group[1], "excused")),
                            reason="Certificat médical reçu")
    client.force_login(trainer)
    response = client.get(session_history_url(locked))
    assert response.status_code == 200
    text = response.text
    assert len(response.context["rows"]) == 6
    # Status labels, not codes; the reason and who gave it.
    assert "Absent·e" in text and "Excusé·e" in text and "Certificat médical reçu" in text
    assert str(manager) in text and "En retard" in text
    amendment = response.context["rows"][-1]
    assert amendment.entry.amendment and amendment.learner_text == str(group[1])
    assert [(line.before, line.after) for line in amendment.lines] == [("Absent·e", "Excusé·e")]
    signature = next(row for row in response.context["rows"]
                     if row.entry.kind == ChangeKind.SIGNATURE)
    assert str(SignatureMethod.DRAWN.label) in [line.after for line in signature.lines]


def test_a_session_amendment_reads_in_local_words(client, locked, manager, cohort):
    services.session_amend(session=locked, by=manager, reason="Salle changée", room="Salle 2",
                           trainer=None)
    client.force_login(manager)
    rows = client.get(session_history_url(locked)).context["rows"]
    lines = {line.label: (line.before, line.after) for line in rows[-1].lines}
    assert lines[next(label for label in lines if "Salle" in label or "Room" in label)] == (
        "Salle 1", "Salle 2")
    trainer_line = next(value for label, value in lines.items()
                        if "Formateur" in label or "Trainer" in label)
    assert trainer_line[1] == "—" and trainer_line[0] == str(locked.trainer)


def test_only_the_cohorts_trainers_and_managers_see_the_history(client, locked, group, path,
                                                                cohort, manager, trainer):
    urls = [session_history_url(locked), learner_history_url(cohort, group[0])]
    for user in (TrainerFactory(), group[0], LearnerFactory()):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    for user in (trainer, manager):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200
    # A learner of another cohort is not found in this one.
    stranger = EnrollmentFactory(path=path, cohort=CohortFactory(path=path)).learner
    assert client.get(learner_history_url(cohort, stranger)).status_code == 404


def test_the_learner_history_lists_their_changes_across_sessions(client, locked, group,
                                                                 cohort, trainer, path):
    other = locked_world.SessionFactory(cohort=cohort, trainer=trainer,
                                        date=locked.date.replace(day=1) if locked.date.day > 1
                                        else locked.date, start_time=locked.start_time.replace(
                                            hour=14), end_time=locked.end_time.replace(hour=16))
    services.roll_call_save(session=other, by=trainer, marks=marks((group[0], "absent"),
                                                                  (group[1], "present")))
    client.force_login(trainer)
    response = client.get(learner_history_url(cohort, group[0]))
    rows = response.context["rows"]
    assert {row.entry.session_id for row in rows} == {locked.pk, other.pk}
    assert all(row.entry.learner_id == group[0].pk for row in rows)


def test_pages_link_to_the_history(client, locked, group, cohort, trainer):
    client.force_login(trainer)
    page = client.get(f"/emargement/groupes/{cohort.pk}/").text
    assert session_history_url(locked) in page
    assert learner_history_url(cohort, group[0]) in page
    assert session_history_url(locked) in client.get(f"/emargement/seances/{locked.pk}/").text


@pytest.mark.parametrize("overrides", [1, 20])
def test_the_history_page_query_count_is_fixed(client, locked, group, manager, trainer,
                                               django_assert_num_queries, overrides):
    for n in range(overrides):
        services.roll_call_save(session=locked, by=manager,
                                marks=marks((group[1], "excused" if n % 2 == 0 else "absent")),
                                reason=f"Correction {n}")
    services.session_amend(session=locked, by=manager, reason="Salle", room="Salle 2")
    client.force_login(trainer)
    client.get(session_history_url(locked))  # warm the per-process caches
    # The base template's 8 (session, user, organisation, permissions, menu pages, site), then
    # the cohort, the session, the trail, the statuses, the names of the people it cites.
    with django_assert_num_queries(13):
        response = client.get(session_history_url(locked))
    assert len(response.context["rows"]) == 5 + overrides + 1


def test_the_xlsx_has_a_history_sheet(client, locked, group, manager, cohort):
    services.roll_call_save(session=locked, by=manager, marks=marks((group[1], "excused")),
                            reason="=HYPERLINK(\"http://x\")")
    client.force_login(manager)
    response = client.get(f"/emargement/groupes/{cohort.pk}/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 2
    history = workbook[workbook.sheetnames[1]]
    assert workbook.sheetnames[1] in ("Historique", "History")
    header, *rows = list(history.iter_rows(values_only=True))
    assert len(header) == 8 and len(rows) == 6
    last = rows[-1]
    assert last[2] == str(group[1]) and "Absent·e" in last[4] and "Excusé·e" in last[5]
    # Kept as text, never a formula: the quote of every export (lms.core.spreadsheets).
    assert last[7] == "'=HYPERLINK(\"http://x\")"
    assert history.cell(row=7, column=8).data_type == "s"


def test_a_control_character_in_a_reason_does_not_break_the_xlsx(client, locked, group,
                                                                  manager, cohort):
    # A vertical tab pasted from a word processor: openpyxl refuses it, and the audit trail
    # that holds it can't be edited, so the export must clean it, not fail on it for good.
    services.roll_call_save(session=locked, by=manager, marks=marks((group[1], "excused")),
                            reason="Certificat\x0bmédical")
    client.force_login(manager)
    response = client.get(f"/emargement/groupes/{cohort.pk}/export.xlsx")
    assert response.status_code == 200
    history = load_workbook(io.BytesIO(response.content)).worksheets[1]
    assert list(history.iter_rows(values_only=True))[-1][7] == "Certificatmédical"
