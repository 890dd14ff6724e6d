"""A CSV whose lines are not all in one encoding is refused with the line numbers; names are
stored in NFC and invisible characters are refused per row."""

import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.accounts.models import User
from lms.progress import imports

HEADER = "nom;prénom;email;parcours"


def _line(last, first, email, path="club-premiers-pas"):
    return f"{last};{first};{email};{path}"


def test_utf8_rows_mixed_with_windows_1252_rows_are_refused_with_their_lines():
    data = b"\r\n".join([
        HEADER.encode("utf-8"),
        _line("Martin", "Lucie", "lucie@exemple.fr").encode("utf-8"),
        _line("Lefèvre", "Hélène", "helene@exemple.fr").encode("utf-8"),
        _line("Bernard", "Zoé", "zoe@exemple.fr").encode("cp1252"),
        _line("Benali", "Amina", "amina@exemple.fr").encode("cp1252"),
        _line("Müller", "Jürgen", "jurgen@exemple.fr").encode("cp1252"),
    ]) + b"\r\n"
    with pytest.raises(imports.ImportFileError) as error:
        imports.decode_upload(data)
    assert error.value.code == "mixed_encodings"
    assert "1, 3" in error.value.message  # UTF-8: the header and Hélène's line
    assert "4, 6" in error.value.message  # Windows-1252: Zoé's and Jürgen's lines
    assert error.value.line == 1


def test_a_bom_then_windows_1252_rows_is_still_one_encoding():
    data = b"\xef\xbb\xbf" + "\r\n".join([HEADER, _line("Bernard", "Zoé", "z@exemple.fr")]
                                         ).encode("cp1252")
    assert "Zoé" in imports.decode_upload(data)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_files_in_one_encoding_are_read(encoding):
    text = "\r\n".join([HEADER, _line("Bernard", "Zoé", "z@exemple.fr"),
                        _line("Lefèvre", "Hélène", "h@exemple.fr")])
    assert imports.decode_upload(text.encode(encoding)).lstrip("\ufeff") == text


def test_the_upload_page_says_which_lines(client, manager, path):
    data = "\r\n".join([HEADER, _line("Bernard", "Zoé", "z@exemple.fr")]).encode("utf-8") \
        + b"\r\n" + _line("Lefèvre", "Hélène", "h@exemple.fr").encode("cp1252")
    client.force_login(manager)
    response = client.post(reverse("progress:import_upload"),
                           {"file": SimpleUploadedFile("a.csv", data, "text/csv")})
    assert response.status_code == 400
    assert "1, 2" in response.text and "3" in response.text
    assert "progress_import" not in client.session


def test_names_are_imported_in_nfc(path, manager):
    decomposed = unicodedata.normalize("NFD", "Hélène")
    text = "\r\n".join([HEADER, _line("Lefèvre", decomposed, "h@exemple.fr")])
    imports.import_commit(text=text, by=manager)
    learner = User.objects.get(email="h@exemple.fr")
    assert learner.first_name == "Hélène" == unicodedata.normalize("NFC", learner.first_name)
    assert learner.username == "helene.lefevre"


def test_a_name_with_a_direction_control_is_a_row_error(path, manager):
    text = "\r\n".join([HEADER, _line("Martin\u202e", "Lucie", "l@exemple.fr"),
                        _line("Bernard", "Zoé", "z@exemple.fr")])
    preview = imports.build_preview(text=text, user=manager)
    assert [(e.line, e.code) for e in preview.errors] == [(2, "name_invisible_characters")]
    assert "U+202E" in preview.errors[0].message
    with pytest.raises(imports.ImportRejected):
        imports.import_commit(text=text, by=manager)
    assert not User.objects.filter(email__in=["l@exemple.fr", "z@exemple.fr"]).exists()
