"""The render path: WeasyPrint's thread, the organisation's images, the queries a document
costs, and two workers finishing the same document."""

import base64
import datetime
import gc
import hashlib
import io
import os
import threading
import warnings

import pytest
from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image
from wagtail.images import get_image_model

from certificates import rendering, services, snapshots
from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document


def png(colour) -> ImageFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), colour).save(buffer, "PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name="logo.png")


def with_logo(organisation, colour) -> None:
    """A new logo, its rendition made (and printed: cached) at once. Wagtail leaves the
    rendition's temporary file to the garbage collector: collected here, not in a later test."""
    organisation.logo = get_image_model().objects.create(title=f"logo {colour}",
                                                         file=png(colour))
    organisation.save()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        snapshots.organisation_snapshot()
        gc.collect()


# Wagtail's unclosed temporary file when it makes a rendition (see with_logo).
leaky_renditions = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning")


def test_weasyprint_runs_in_one_thread_of_its_own(monkeypatch):
    seen = []
    monkeypatch.setattr(rendering, "_write_pdf",
                        lambda html, images: seen.append(threading.current_thread()) or b"%PDF")
    assert rendering.html_to_pdf("<p>a</p>") == b"%PDF"
    assert rendering.html_to_pdf("<p>b</p>") == b"%PDF"
    assert seen[0] is seen[1] and seen[0] is not threading.current_thread()
    assert seen[0].name.startswith("weasyprint")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_makes_its_own_render_thread():
    rendering._renderer()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's executor has no thread here
        try:
            ok = rendering._render_thread is None and rendering._renderer().submit(
                lambda: 1).result(timeout=10) == 1
        finally:
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.waitpid(pid, 0)


@leaky_renditions
@pytest.mark.django_db
def test_a_new_logo_is_printed_at_once(organisation):
    with_logo(organisation, (0, 0, 255))
    facts, images = snapshots.organisation_snapshot()
    first = images["logo"]
    assert first.startswith("data:image/png;base64,")
    # The snapshot keeps which image was printed, not its pixels (the PDF has them).
    printed = base64.b64decode(first.partition(",")[2])
    assert facts["images"]["logo"] == hashlib.sha256(printed).hexdigest()
    with_logo(organisation, (255, 0, 0))
    facts, images = snapshots.organisation_snapshot()
    assert images["logo"] not in ("", first)
    assert facts["images"]["logo"] == hashlib.sha256(
        base64.b64decode(images["logo"].partition(",")[2])).hexdigest()
    organisation.logo = None
    organisation.save()
    facts, images = snapshots.organisation_snapshot()
    assert images["logo"] == facts["images"]["logo"] == ""


@leaky_renditions
@pytest.mark.django_db
def test_rendering_an_attestation_costs_a_fixed_number_of_queries(
        completed, module, referential, trainer, organisation, django_assert_num_queries):
    from courses.models import Competence
    from tests.courses.factories import module_target

    for competence in Competence.objects.order_by("pk")[:3]:
        module_target(module, competence, 2)
    with_logo(organisation, (0, 90, 160))
    document = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                         enrollment=completed)
    # Claim: a conditional update, then the document with its enrolment, learner, path and
    # cohort. Snapshot: the organisation, attendance, targets, levels reached, competences,
    # level names. Final conditional update, with the snapshot.
    with django_assert_num_queries(2 + 6 + 1):
        services.document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED
    assert len(document.snapshot["assessment"]) == 3
    assert len(document.snapshot["organisation"]["images"]["logo"]) == 64  # its SHA-256


@pytest.mark.django_db
def test_a_worker_that_finishes_second_keeps_nothing(completed, trainer, monkeypatch,
                                                    settings):
    from pathlib import Path

    document = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                         enrollment=completed)
    render_pdf = services.render_pdf

    def another_worker_finishes_meanwhile(document, snapshot, images):
        monkeypatch.setattr(services, "render_pdf", render_pdf)
        # While the lease holds, another render can't start: it takes over only once it
        # expired (this one outlived it).
        assert services.document_render(document_id=document.pk).status \
            == DocumentStatus.RENDERING
        Document.objects.filter(pk=document.pk).update(
            lease_until=timezone.now() - datetime.timedelta(seconds=1))
        services.document_render(document_id=document.pk)
        return render_pdf(document, snapshot, images)

    monkeypatch.setattr(services, "render_pdf", another_worker_finishes_meanwhile)
    returned = services.document_render(document_id=document.pk)
    final = Document.objects.get(pk=document.pk)
    assert final.status == DocumentStatus.ISSUED and final.attempts == 2
    assert (returned.sha256, returned.pdf.name) == (final.sha256, final.pdf.name)
    files = sorted(Path(settings.MEDIA_ROOT).rglob(f"{final.code}*"))
    assert [path.name for path in files] == [Path(final.pdf.name).name]


@pytest.mark.django_db
def test_a_document_given_up_while_it_renders_is_not_issued(completed, trainer, monkeypatch,
                                                           settings):
    """An erasure (or a final failure) during the render: the finished PDF is dropped."""
    from pathlib import Path

    document = services.document_request(kind=DocumentKind.ATTESTATION, by=trainer,
                                         enrollment=completed)
    render_pdf = services.render_pdf

    def erased_meanwhile(document, snapshot, images):
        Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED,
                                                       error="erased")
        return render_pdf(document, snapshot, images)

    monkeypatch.setattr(services, "render_pdf", erased_meanwhile)
    returned = services.document_render(document_id=document.pk)
    assert returned.status == DocumentStatus.FAILED
    final = Document.objects.get(pk=document.pk)
    assert (final.status, final.pdf.name, final.sha256, final.snapshot) == (
        DocumentStatus.FAILED, "", "", {})
    assert not list(Path(settings.MEDIA_ROOT).rglob(f"{final.code}*"))
    # and a task delivered again does not take it up
    monkeypatch.setattr(services, "render_pdf", render_pdf)
    assert services.document_render(document_id=document.pk).status == DocumentStatus.FAILED
    assert Document.objects.get(pk=document.pk).attempts == 1


@pytest.mark.django_db
def test_snapshots_of_earlier_documents_keep_the_hashes_of_their_images(completed):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("certificates.migrations.0002_snapshot_image_hashes")
    png_bytes = b"\x89PNG not really"
    uri = "data:image/png;base64," + base64.b64encode(png_bytes).decode()
    old = Document.objects.create(
        kind=DocumentKind.ATTESTATION, subject="attestation:enrollment:old",
        snapshot={"learner": {"name": "Amina"},
                  "organisation": {"name": "C-Num", "images": {"logo": uri, "stamp": ""}}})
    empty = Document.objects.create(kind=DocumentKind.ATTESTATION, subject="pending:x")
    migration.images_to_hashes(apps, None)
    old.refresh_from_db()
    assert old.snapshot == {"learner": {"name": "Amina"}, "organisation": {
        "name": "C-Num", "images": {"logo": hashlib.sha256(png_bytes).hexdigest(), "stamp": ""}}}
    empty.refresh_from_db()
    assert empty.snapshot == {}
