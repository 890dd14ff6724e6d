"""Evidence of indicator 30 for the audit pack.

`survey_evidence(cohort=..., year=...)` returns the files to put in the pack's ZIP as
`(relative path, content)` pairs, paths under `surveys/`:

- `surveys/index.html` — the list of surveys in scope, with their response rates;
- `surveys/<kind>-<id>/results.html` — one survey's results in scope: response rate, mean and
  distribution per question, free-text answers (a standalone HTML page, no external asset);
- `surveys/<kind>-<id>/results.csv` — the same figures (CSV, `;`, UTF-8 with BOM);
- `surveys/<kind>-<id>/invitations.csv` — who was asked and when, when reminded, whether they
  answered (the messages as sent are in the database's survey message log). For an anonymous
  survey this lists participation only: answers cannot be tied to anyone.

Scope: with `cohort`, the invitations and responses about that group; with `year`, those
made (invitations) or given (responses) in that calendar year; with both, both filters. Surveys
without an invitation in scope are left out. An empty list means no survey evidence: the pack
lists indicator 30 as without evidence."""

import datetime
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.core.spreadsheets import SafeCsvWriter

from . import exports, selectors
from .models import Survey, SurveyInvitation


def _scope(cohort, year) -> selectors.Scope:
    start = datetime.date(year, 1, 1) if year else None
    end = datetime.date(year, 12, 31) if year else None
    return selectors.Scope(cohort_id=cohort.pk if cohort else None, start=start, end=end)


def _invitations_csv(invitations) -> bytes:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow([_("Respondent"), _("Name"), _("Group"), _("Created"), _("Sent"),
                     _("Reminded"), _("Answered")])
    for invitation in invitations:
        writer.writerow([
            invitation.get_respondent_kind_display(), invitation.display_name,
            invitation.cohort.name if invitation.cohort else "",
            _stamp(invitation.created_at), _stamp(invitation.sent_at),
            _stamp(invitation.reminded_at), _("yes") if invitation.answered else _("no")])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _stamp(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def survey_evidence(*, cohort=None, year: int | None = None) -> list[tuple[str, bytes]]:
    """The survey files of the audit pack for `cohort` and/or `year` (see the module)."""
    scope = _scope(cohort, year)
    files: list[tuple[str, bytes]] = []
    with translation.override(settings.LANGUAGE_CODE):
        surveys = [s for s in selectors.surveys_with_rates(Survey.objects.all(), scope)
                   if s.invited]
        if not surveys:
            return []
        scope_label = " · ".join(
            part for part in (cohort.name if cohort else "", str(year) if year else "") if part)
        entries = []
        for survey in surveys:
            folder = f"surveys/{survey.kind}-{survey.pk}"
            results = selectors.survey_results(survey=survey, scope=scope)
            invitations = (scope.invitations(SurveyInvitation.objects.filter(survey=survey))
                           .select_related("person", "cohort").order_by("created_at", "pk"))
            html = render_to_string("surveys/evidence.html", {
                "results": results, "survey": survey, "scope_label": scope_label})
            files.append((f"{folder}/results.html", html.encode("utf-8")))
            files.append((f"{folder}/results.csv", exports.as_csv(
                exports.results_sections(results, scope_label=scope_label))))
            files.append((f"{folder}/invitations.csv", _invitations_csv(invitations)))
            entries.append((survey, results, f"{survey.kind}-{survey.pk}/results.html"))
        index = render_to_string("surveys/evidence_index.html",
                                 {"entries": entries, "scope_label": scope_label})
        files.insert(0, ("surveys/index.html", index.encode("utf-8")))
    return files
