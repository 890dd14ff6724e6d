"""/qualite/dossiers-audit/: the managers' pages of the audit packs (404 for anyone else)."""

import re

import pytest
from django.test import TestCase
from django.urls import reverse

from lms.auditpack.enums import PackStatus
from lms.auditpack.models import AuditPack

pytestmark = pytest.mark.django_db


def test_a_manager_makes_a_pack_and_downloads_it(client, cohort, manager):
    client.force_login(manager)
    page = client.get(reverse("auditpack:list"))
    assert page.status_code == 200 and "Constituer le dossier" in page.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("auditpack:list"), {"cohort": cohort.pk})
    pack = AuditPack.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("auditpack:detail", args=[pack.pk])
    detail = client.get(response["Location"]).content.decode()
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY, pack.error
    assert reverse("auditpack:zip", args=[pack.pk]) in detail
    zipped = client.get(reverse("auditpack:zip", args=[pack.pk]))
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    b"".join(zipped.streaming_content)


def test_the_progress_page_uses_no_inline_script(client, cohort, manager):
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager, progress=40,
                                    status=PackStatus.BUILDING)
    client.force_login(manager)
    html = client.get(reverse("auditpack:detail", args=[pack.pk])).content.decode()
    assert '<progress id="pack-progress" max="100" value="40">' in html
    assert f'data-pack-status="/api/v1/audit-packs/{pack.pk}/"' in html
    assert "audit-pack-progress.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html and "<style" not in html
    # Not ready: no file to download.
    assert client.get(reverse("auditpack:zip", args=[pack.pk])).status_code == 404


def test_bad_input_is_shown_on_the_form(client, cohort, manager):
    client.force_login(manager)
    for data in ({}, {"cohort": cohort.pk, "year": 2026}, {"year": 1850},
                 {"cohort": "x"}):
        response = client.post(reverse("auditpack:list"), data)
        assert response.status_code == 400
        assert response.context["form"].errors
    assert not AuditPack.objects.exists()


def test_others_get_a_404(client, cohort, manager, trainer, learner, staff):
    pack = AuditPack.objects.create(cohort=cohort, requested_by=manager)
    for user in (trainer, learner, staff):
        client.force_login(user)
        for url in (reverse("auditpack:list"), reverse("auditpack:detail", args=[pack.pk]),
                    reverse("auditpack:zip", args=[pack.pk])):
            assert client.get(url).status_code == 404
        assert client.post(reverse("auditpack:list"), {"cohort": cohort.pk}).status_code == 404
    assert AuditPack.objects.count() == 1


def test_the_list_page_costs_the_same_queries_whatever_its_length(
        client, cohort, manager, django_assert_num_queries):
    client.force_login(manager)
    AuditPack.objects.create(cohort=cohort, requested_by=manager)
    client.get(reverse("auditpack:list"))  # warm the per-process caches (site, settings)
    with django_assert_num_queries(11) as first:
        client.get(reverse("auditpack:list"))
    for year in range(2020, 2030):
        AuditPack.objects.create(year=year, requested_by=manager)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("auditpack:list"))
    assert response.context["page"].paginator.count == 11
