import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lms.accounts.models import User
from lms.progress import imports
from lms.progress.enums import EnrollmentSource
from lms.progress.models import Enrollment
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import TrainingPathFactory
from tests.progress.factories import EnrollmentFactory

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["nom", "prénom", "email", "parcours", "groupe", "date d'inscription"]
UPLOAD = reverse("progress:import_upload")
PREVIEW = reverse("progress:import_preview")
COMMIT = reverse("progress:import_commit")
DONE = reverse("progress:import_done")


def make_csv(rows, header=HEADER, delimiter=";", encoding="utf-8") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(last="Martin", first="Lucie", email="lucie.martin@exemple.fr", path="club-premiers-pas",
        cohort="", enrolled=""):
    return [last, first, email, path, cohort, enrolled]


def upload(client, data: bytes, name="apprenants.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, "text/csv")})


def preview_of(text: str, user):
    return imports.build_preview(text=text, user=user)


def codes(preview):
    return [(error.line, error.column, error.code) for error in preview.errors]


@pytest.fixture
def other_path(catalogue):
    return TrainingPathFactory(parent=catalogue, title="Atelier tablette")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


# --- Decoding -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["learners_utf8_bom.csv", "learners_cp1252.csv"])
def test_bom_and_windows_1252_files_import_with_their_accents(name, path, manager):
    text = imports.decode_upload((FIXTURES / name).read_bytes())
    summary = imports.import_commit(text=text, by=manager)
    assert summary.learners_created == 2
    helene = User.objects.get(email="helene.lefevre@exemple.fr")
    assert (helene.first_name, helene.last_name) == ("Hélène", "Lefèvre")
    assert helene.username == "helene.lefevre"
    assert helene.phone == "06 12 34 56 78"
    assert helene.birth_date == datetime.date(1956, 7, 14)
    aissatou = User.objects.get(email="aissatou.ndiaye@exemple.fr")
    assert aissatou.last_name == "N’Diaye"
    assert aissatou.username == "aissatou.ndiaye"
    assert aissatou.birth_date == datetime.date(1990, 3, 1)  # ISO dates are accepted too
    assert Enrollment.objects.filter(path=path).count() == 2


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
    b"nom;pr\x00nom;email\r\n",
    b"\x81\x8d\x8f\x90\x9d",  # bytes neither UTF-8 nor Windows-1252 define
])
def test_binary_files_are_refused_clearly(data, manager_client):
    with pytest.raises(imports.ImportFileError) as error:
        imports.decode_upload(data)
    assert error.value.code == "undecodable"
    response = upload(manager_client, data)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert 'role="alert"' in response.text


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"),
    (b"\xef\xbb\xbf \r\n\r\n", "empty"),
    (";".join(HEADER).encode(), "no_rows"),
    ("nom;prénom;parcours\r\nMartin;Lucie;x\r\n".encode(), "missing_column"),
    ("nom;prénom;email;Prénom;parcours\r\n".encode(), "duplicate_column"),
    (b'nom;prenom;email;parcours\r\n"Martin;Lucie\x0c', "undecodable"),
])
def test_file_level_errors(data, code, manager_client, path):
    with pytest.raises(imports.ImportFileError) as error:
        imports.parse_csv(imports.decode_upload(data))
    assert error.value.code == code
    response = upload(manager_client, data)
    assert response.status_code == 400
    assert "progress_import" not in manager_client.session


def test_a_runaway_quoted_field_is_a_clear_error(path, manager):
    text = 'nom;prénom;email;parcours\r\n"' + "x" * 200_000
    with pytest.raises(imports.ImportFileError) as error:
        imports.parse_csv(text)
    assert error.value.code == "malformed"


def test_mixed_bom_and_windows_1252(path, manager):
    data = b"\xef\xbb\xbf" + make_csv([row(first="H\xe9l\xe8ne")], encoding="cp1252")
    preview = preview_of(imports.decode_upload(data), manager)
    assert preview.is_valid and preview.rows[0].values["first_name"] == "Hélène"


def test_utf16_excel_unicode_text(path, manager):
    data = make_csv([row(first="Hélène")], delimiter="\t", encoding="utf-16")
    preview = preview_of(imports.decode_upload(data), manager)
    assert preview.is_valid and preview.rows[0].values["first_name"] == "Hélène"


def test_missing_column_is_named(manager_client, path):
    response = upload(manager_client, "Nom;Prénom;Parcours\r\nMartin;Lucie;x\r\n".encode())
    assert response.status_code == 400
    assert "email" in response.context["form"].errors["file"][0]


def test_too_large_file(manager_client, path):
    data = make_csv([row()]) + b" " * imports.MAX_BYTES
    assert upload(manager_client, data).status_code == 400
    with pytest.raises(imports.ImportFileError) as error:
        imports.decode_upload(data)
    assert error.value.code == "too_large"


def test_too_many_rows(path, manager):
    rows = [row(email=f"l{n}@exemple.fr") for n in range(imports.MAX_ROWS + 1)]
    with pytest.raises(imports.ImportFileError) as error:
        imports.parse_csv(make_csv(rows).decode())
    assert error.value.code == "too_many_rows"
    assert len(imports.parse_csv(make_csv(rows[:-1]).decode()).rows) == imports.MAX_ROWS


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters(delimiter, path, manager):
    text = make_csv([row(), row(first="Paul", email="paul@exemple.fr")],
                    delimiter=delimiter).decode()
    preview = preview_of(text, manager)
    assert preview.is_valid
    assert [r.values["first_name"] for r in preview.rows] == ["Lucie", "Paul"]


def test_excel_sep_line_and_extra_values(path, manager):
    text = ("sep=,\r\nnom,prénom,email,parcours\r\n"
            "Martin,Lucie,lucie@exemple.fr,club-premiers-pas,,\r\n"
            "Roy,Paul,paul@exemple.fr,club-premiers-pas,de trop\r\n")
    preview = preview_of(text, manager)
    assert [(r.line, r.values["first_name"]) for r in preview.rows] == [(3, "Lucie"), (4, "Paul")]
    assert codes(preview) == [(4, "", "extra_values")]  # empty trailing cells are fine


def test_english_headers_in_any_order_and_case_and_quoted_values(path, manager):
    text = ('EMAIL,Last_Name,First Name,Path,Birth Date,Notes\r\n'
            'lucie@exemple.fr,"Martin, épouse Roy",Lucie,club-premiers-pas,01/02/1950,"x"\r\n')
    preview = preview_of(text, manager)
    assert preview.is_valid
    assert preview.rows[0].values["last_name"] == "Martin, épouse Roy"
    assert preview.rows[0].birth_date == datetime.date(1950, 2, 1)


# --- Row errors -----------------------------------------------------------------------------

def test_row_errors_carry_line_column_and_reason(path, cohort, manager):
    rows = [
        row(),                                                     # line 2: fine
        row(first="", email="a@exemple.fr"),                       # 3: empty required value
        row(email="pas-un-courriel"),                              # 4: invalid email
        row(email="b@exemple.fr", enrolled="31/02/2024"),          # 5: malformed date
        row(email="c@exemple.fr", enrolled="2024/09/01"),          # 6: malformed date
        row(email="d@exemple.fr", path="inconnu"),                 # 7: unknown path
        row(email="e@exemple.fr", cohort="Groupe fantôme"),        # 8: unknown cohort
        row(),                                                     # 9: duplicate of line 2
    ]
    text = make_csv(rows, header=["Nom", "Prénom", "E-mail", "Parcours", "Groupe",
                                  "Date d’inscription"]).decode()
    preview = preview_of(text, manager)
    assert not preview.is_valid
    assert codes(preview) == [
        (3, "Prénom", "required"),
        (4, "E-mail", "invalid_email"),
        (5, "Date d’inscription", "invalid_date"),
        (6, "Date d’inscription", "invalid_date"),
        (7, "Parcours", "unknown_path"),
        (8, "Groupe", "unknown_cohort"),
        (9, "Parcours", "duplicate"),
    ]
    assert "2" in preview.errors[-1].message  # points at the first occurrence


def test_blank_lines_are_skipped_but_line_numbers_stay_those_of_the_file(path, manager):
    text = "\r\n" + ";".join(HEADER) + "\r\n\r\n" + ";".join(row(email="x")) + "\r\n"
    preview = preview_of(text, manager)
    assert codes(preview) == [(4, "email", "invalid_email")]


def test_cohort_matches_by_name_and_path_by_title(path, cohort, manager):
    text = make_csv([row(path="CLUB PREMIERS PAS", cohort=cohort.name.upper())]).decode()
    preview = preview_of(text, manager)
    assert preview.is_valid
    assert (preview.rows[0].path, preview.rows[0].cohort) == (path, cohort)


def test_cohort_of_another_path_is_unknown(path, other_path, manager):
    elsewhere = CohortFactory(path=other_path, name="Groupe du mardi")
    preview = preview_of(make_csv([row(cohort=elsewhere.name)]).decode(), manager)
    assert [error.code for error in preview.errors] == ["unknown_cohort"]


def test_same_new_learner_on_two_paths_is_one_account(path, other_path, manager):
    text = make_csv([row(), row(path=other_path.slug)]).decode()
    preview = preview_of(text, manager)
    assert preview.is_valid
    assert preview.counts == {"learners_new": 1, "learners_existing": 0,
                              "enrollments_new": 2, "enrollments_existing": 0,
                              "enrollments_to_place": 0}
    summary = imports.import_commit(text=text, by=manager)
    assert (summary.learners_created, summary.enrollments_created) == (1, 2)
    assert User.objects.filter(email="lucie.martin@exemple.fr").count() == 1


def test_derived_usernames_are_ascii_and_unique(path, manager):
    LearnerFactory(username="jean.dupont")
    rows = [row(last="Dupont", first="Jean", email="jean1@exemple.fr"),
            row(last="Dupont", first="Jean", email="jean2@exemple.fr"),
            row(last="Lefèvre-Ørsted", first="Jean Pierre", email="jp@exemple.fr"),
            row(last="王", first="伟", email="wei.wang@exemple.fr")]
    preview = preview_of(make_csv(rows).decode(), manager)
    assert [r.username for r in preview.rows] == [
        "jean.dupont2", "jean.dupont3", "jean-pierre.lefevre-orsted", "wei-wang"]


def test_existing_learners_match_by_username_or_email(path, other_path, manager):
    by_email = LearnerFactory(email="Lucie.Martin@Exemple.fr")
    by_username = LearnerFactory(username="pmarchand", email="old@exemple.fr")
    EnrollmentFactory(learner=by_email, path=path)
    header = ["nom", "prénom", "email", "identifiant", "parcours"]
    text = make_csv([
        ["Martin", "Lucie", "lucie.martin@exemple.fr", "", "club-premiers-pas"],
        ["Marchand", "Paul", "new@exemple.fr", "pmarchand", other_path.slug],
    ], header=header).decode()
    preview = preview_of(text, manager)
    assert preview.is_valid
    assert [(r.learner, r.already_enrolled) for r in preview.rows] == [
        (by_email, True), (by_username, False)]
    assert preview.counts == {"learners_new": 0, "learners_existing": 2,
                              "enrollments_new": 1, "enrollments_existing": 1,
                              "enrollments_to_place": 0}


def test_email_of_another_account_with_another_username_is_an_error(path, manager):
    LearnerFactory(username="lmartin", email="lucie.martin@exemple.fr")
    header = ["nom", "prénom", "email", "identifiant", "parcours"]
    text = make_csv([["Martin", "Lucie", "lucie.martin@exemple.fr", "lucie2", "club-premiers-pas"]],
                    header=header).decode()
    assert [e.code for e in preview_of(text, manager).errors] == ["email_taken"]


# --- Commit ---------------------------------------------------------------------------------

def test_commit_creates_learners_and_enrolments(path, cohort, manager):
    text = make_csv([row(cohort=cohort.name, enrolled="01/09/2024")]).decode()
    summary = imports.import_commit(text=text, by=manager)
    assert summary.as_dict() == {"learners_created": 1, "learners_matched": 0,
                                 "enrollments_created": 1, "already_enrolled": 0,
                                 "placed": 0}
    learner = User.objects.get(email="lucie.martin@exemple.fr")
    assert learner.is_learner and not learner.is_trainer
    assert not learner.has_usable_password()
    enrollment = learner.enrollments.get()
    assert (enrollment.path, enrollment.cohort) == (path, cohort)
    assert (enrollment.source, enrollment.enrolled_by) == (EnrollmentSource.IMPORT, manager)
    assert timezone.localtime(enrollment.enrolled_at).date() == datetime.date(2024, 9, 1)
    assert enrollment.status_changes.get().changed_at == enrollment.enrolled_at


def test_reimport_is_idempotent(path, cohort, manager):
    text = make_csv([row(email=f"l{n}@exemple.fr", cohort=cohort.name) for n in range(3)]).decode()
    first = imports.import_commit(text=text, by=manager)
    again = imports.import_commit(text=text, by=manager)
    assert (first.learners_created, first.enrollments_created) == (3, 3)
    assert again.as_dict() == {"learners_created": 0, "learners_matched": 3,
                               "enrollments_created": 0, "already_enrolled": 3,
                               "placed": 0}
    assert User.objects.filter(is_learner=True).count() == 3
    assert Enrollment.objects.count() == 3


def test_one_bad_row_and_nothing_is_created(path, manager):
    text = make_csv([row(), row(email="ok@exemple.fr"), row(email="bad", first="")]).decode()
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_commit(text=text, by=manager)
    assert len(rejected.value.preview.errors) == 2
    assert not User.objects.filter(is_learner=True).exists()
    assert not Enrollment.objects.exists()


def test_a_failure_midway_rolls_everything_back(path, manager, monkeypatch):
    real = imports.enrollment_create
    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(imports, "enrollment_create", failing)
    text = make_csv([row(), row(email="b@exemple.fr")]).decode()
    with pytest.raises(RuntimeError):
        imports.import_commit(text=text, by=manager)
    assert not User.objects.filter(is_learner=True).exists()
    assert not Enrollment.objects.exists()


# --- Views ----------------------------------------------------------------------------------

def test_full_flow_upload_preview_commit_done(manager_client, path, cohort):
    data = make_csv([row(cohort=cohort.name),
                     row(email="paul@exemple.fr", first="Paul", cohort=cohort.name)])
    response = upload(manager_client, data)
    assert response.status_code == 302 and response.url == PREVIEW
    stored = manager_client.session["progress_import"]
    assert stored["text"] == data.decode()
    assert stored["sha256"] == imports.text_digest(stored["text"])
    assert set(stored) == {"text", "sha256", "name"}  # the text itself, no temp file path

    response = manager_client.get(PREVIEW)
    assert response.status_code == 200
    assert response.context["counts"]["learners_new"] == 2
    assert not User.objects.filter(is_learner=True).exists()  # the preview writes nothing
    assert 'name="sha256"' in response.text
    assert "<caption" in response.text and 'scope="row"' in response.text

    response = manager_client.post(COMMIT, {"sha256": stored["sha256"]})
    assert response.status_code == 302 and response.url == DONE
    assert "progress_import" not in manager_client.session
    response = manager_client.get(DONE)
    assert response.status_code == 200
    assert response.context["summary"] == {"learners_created": 2, "learners_matched": 0,
                                           "enrollments_created": 2, "already_enrolled": 0,
                                           "placed": 0}
    assert Enrollment.objects.filter(path=path, cohort=cohort).count() == 2
    assert manager_client.get(DONE).status_code == 302  # the summary is shown once


def test_preview_with_errors_offers_no_commit_and_commit_is_refused(manager_client, path):
    upload(manager_client, make_csv([row(), row(enrolled="32/01/2024", email="x@exemple.fr")]))
    response = manager_client.get(PREVIEW)
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert 'name="sha256"' not in response.text
    assert 'href="#line-3"' in response.text and 'id="line-3"' in response.text
    sha256 = manager_client.session["progress_import"]["sha256"]
    response = manager_client.post(COMMIT, {"sha256": sha256})
    assert response.status_code == 400
    assert not User.objects.filter(is_learner=True).exists()


def test_commit_of_a_stale_preview_is_refused(manager_client, path):
    upload(manager_client, make_csv([row()]))
    response = manager_client.post(COMMIT, {"sha256": "0" * 64})
    assert response.status_code == 302 and response.url == PREVIEW
    assert not User.objects.filter(is_learner=True).exists()


def test_tampered_session_text_is_not_trusted(manager_client, path):
    upload(manager_client, make_csv([row()]))
    session = manager_client.session
    sha256 = session["progress_import"]["sha256"]
    session["progress_import"]["text"] += ";".join(row(email="intrus@exemple.fr"))
    session.save()
    response = manager_client.post(COMMIT, {"sha256": sha256})
    assert response.status_code == 302 and response.url == UPLOAD
    assert not User.objects.filter(is_learner=True).exists()


def test_preview_and_commit_without_upload_go_back_to_upload(manager_client, path):
    assert manager_client.get(PREVIEW).url == UPLOAD
    assert manager_client.post(COMMIT, {"sha256": "x"}).url == UPLOAD


def test_upload_page_is_accessible(manager_client, path):
    response = manager_client.get(UPLOAD)
    assert response.status_code == 200
    assert '<label for="id_file">' in response.text
    assert 'aria-describedby="file-help"' in response.text
    assert path.slug in response.text
    template = manager_client.get(reverse("progress:import_template"))
    assert template.status_code == 200
    assert template.content.decode("utf-8-sig").startswith("nom;prénom;email")


# --- Permissions ----------------------------------------------------------------------------

URLS = [("get", UPLOAD), ("get", PREVIEW), ("post", COMMIT), ("get", DONE),
        ("get", reverse("progress:import_template"))]


@pytest.mark.parametrize(("method", "url"), URLS)
def test_anonymous_is_sent_to_login(client, method, url, db):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("method", "url"), URLS)
def test_learner_gets_404(client, learner, method, url):
    client.force_login(learner)
    assert getattr(client, method)(url).status_code == 404


def test_learner_cannot_upload(client, learner, path):
    client.force_login(learner)
    assert upload(client, make_csv([row()])).status_code == 404
    assert not Enrollment.objects.exists()


def test_trainer_imports_into_own_path_only(client, trainer, path, cohort, other_path):
    client.force_login(trainer)
    data = make_csv([row(cohort=cohort.name), row(email="p@exemple.fr", path=other_path.slug),
                     row(email="q@exemple.fr", path=other_path.title)])
    upload(client, data)
    response = client.get(PREVIEW)
    preview = response.context["preview"]
    assert [(e.line, e.code) for e in preview.errors] == [(3, "unknown_path"), (4, "unknown_path")]
    # Same words as for a path that doesn't exist: the other path is not revealed.
    unknown = preview_of(make_csv([row(path="nope")]).decode(), trainer).errors[0].message
    assert preview.errors[0].message == unknown.replace("nope", other_path.slug)
    listed = client.get(UPLOAD).context["paths"]
    assert [p.slug for p in listed] == [path.slug]
    sha256 = client.session["progress_import"]["sha256"]
    assert client.post(COMMIT, {"sha256": sha256}).status_code == 400
    assert not Enrollment.objects.exists()

    upload(client, make_csv([row(cohort=cohort.name)]))
    response = client.post(COMMIT, {"sha256": client.session["progress_import"]["sha256"]})
    assert response.url == DONE
    assert Enrollment.objects.get().enrolled_by == trainer


def test_trainer_of_a_path_itself_may_import(client, other_path):
    path_trainer = TrainerFactory()
    other_path.trainers.add(path_trainer)
    other_path.save()  # a page's parental many-to-many is written on save
    text = make_csv([row(path=other_path.slug)]).decode()
    assert preview_of(text, path_trainer).is_valid
    assert not preview_of(text, TrainerFactory()).is_valid


def test_manager_imports_into_any_path(manager, path, other_path):
    text = make_csv([row(), row(path=other_path.title)]).decode()
    summary = imports.import_commit(text=text, by=manager)
    assert summary.enrollments_created == 2


# --- Query count ----------------------------------------------------------------------------

# Session, user, then paths, accounts, taken usernames, cohorts, enrolments; the rest is the
# page frame (Wagtail user bar, site, catalogue link, organisation settings).
PREVIEW_QUERIES = 13


@pytest.mark.parametrize("size", [5, 40])
def test_preview_query_count_does_not_grow_with_the_file(size, manager_client, path, cohort,
                                                         django_assert_num_queries):
    existing = LearnerFactory.create_batch(size // 2)
    for learner in existing[: size // 4 or 1]:
        EnrollmentFactory(learner=learner, path=path)
    rows = [row(email=learner.email, cohort=cohort.name) for learner in existing]
    rows += [row(first=f"Nouveau{n}", email=f"nouveau{n}@exemple.fr", cohort=cohort.name)
             for n in range(size - len(existing))]
    manager_client.get(UPLOAD)  # first page rendered: creates the organisation settings row
    upload(manager_client, make_csv(rows))
    with django_assert_num_queries(PREVIEW_QUERIES):
        response = manager_client.get(PREVIEW)
    preview = response.context["preview"]
    assert len(preview.rows) == size and preview.is_valid
    # Enrolled in no group, and the file names one: they are to be placed in it.
    assert preview.counts["enrollments_to_place"] == (size // 4 or 1)


def test_a_self_enrolled_learner_named_with_a_group_is_placed_in_it(path, cohort, manager):
    learner = LearnerFactory(email="lucie.martin@exemple.fr")
    enrollment = EnrollmentFactory(learner=learner, path=path, cohort=None,
                                   source=EnrollmentSource.SELF)
    text = make_csv([row(cohort=cohort.name)]).decode()
    preview = preview_of(text, manager)
    assert [r.to_place for r in preview.rows] == [True]
    assert preview.counts["enrollments_to_place"] == 1
    assert preview.counts["enrollments_existing"] == 0
    summary = imports.import_commit(text=text, by=manager)
    assert (summary.placed, summary.already_enrolled) == (1, 0)
    enrollment.refresh_from_db()
    assert enrollment.cohort == cohort and enrollment.memberships.get().cohort == cohort
    again = imports.import_commit(text=text, by=manager)
    assert (again.placed, again.already_enrolled) == (0, 1)
