"""The answer page (a personal link, no login) and the managers' results pages."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import charts, exports, selectors, services
from .enums import SurveyKind
from .forms import AnswerForm, FunderInviteForm, ResultsFilterForm
from .models import SurveyInvitation
from .perms import can_see_results, surveys_visible_to
from .tokens import LinkState, invitation_from_token

STATE_STATUS = {LinkState.INVALID: 404, LinkState.EXPIRED: 410, LinkState.USED: 410}


# Answering ---------------------------------------------------------------------------------

def _link_page(request, state, invitation=None):
    return render(request, "surveys/link_state.html",
                  {"state": state, "invitation": invitation}, status=STATE_STATUS[state])


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token):
    link = invitation_from_token(token)
    if link.state != LinkState.VALID:
        return _link_page(request, link.state, link.invitation)
    survey = link.invitation.survey
    form = AnswerForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(token=token, data=form.cleaned_data)
        except ValidationError as error:
            if error.code in STATE_STATUS:  # answered in another tab, expired meanwhile
                return _link_page(request, error.code, link.invitation)
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            return render(request, "surveys/thanks.html", {"survey": survey})
    return render(request, "surveys/answer.html",
                  {"survey": survey, "invitation": link.invitation, "form": form},
                  status=400 if form.errors else 200)


# Results -----------------------------------------------------------------------------------

def _require_manager(user):
    if not can_see_results(user):
        raise Http404


def _scope(request):
    form = ResultsFilterForm(request.GET or None)
    values = {}
    if form.is_bound:
        form.is_valid()
        values = {k: v for k, v in form.cleaned_data.items() if v and k not in form.errors}
    scope = selectors.Scope(path_id=values["path"].pk if values.get("path") else None,
                            cohort_id=values["cohort"].pk if values.get("cohort") else None,
                            start=values.get("start"), end=values.get("end"))
    query = urlencode({k: (v.pk if hasattr(v, "pk") else v) for k, v in values.items()})
    return form, scope, query


def _scope_label(form, scope) -> str:
    data = getattr(form, "cleaned_data", {}) or {}
    parts = []
    if scope.path_id and data.get("path"):
        parts.append(data["path"].title)
    if scope.cohort_id and data.get("cohort"):
        parts.append(data["cohort"].name)
    if scope.start or scope.end:
        parts.append(f"{scope.start or '…'} → {scope.end or '…'}")
    return " · ".join(parts) or _("All groups, all dates")


@login_required
@require_GET
def survey_list(request):
    _require_manager(request.user)
    form, scope, query = _scope(request)
    surveys = selectors.surveys_with_rates(surveys_visible_to(request.user), scope)
    return render(request, "surveys/survey_list.html",
                  {"form": form, "surveys": surveys, "query": query},
                  status=400 if form.errors else 200)


def _results(request, survey_id):
    _require_manager(request.user)
    survey = get_object_or_404(surveys_visible_to(request.user), pk=survey_id)
    form, scope, query = _scope(request)
    return form, query, selectors.survey_results(survey=survey, scope=scope)


@login_required
@require_GET
def survey_results(request, survey_id):
    form, query, results = _results(request, survey_id)
    questions = [(question, charts.bar_chart(question.bars) if question.bars else None)
                 for question in results.questions]
    return render(request, "surveys/survey_results.html", {
        "form": form, "query": query, "results": results, "survey": results.survey,
        "questions": questions, "funders": results.survey.kind == SurveyKind.FUNDERS,
    }, status=400 if form.errors else 200)


def _export(request, survey_id, extension):
    form, _query, results = _results(request, survey_id)
    sections = exports.results_sections(results, scope_label=_scope_label(form, results.scope))
    if extension == "csv":
        content, content_type = exports.as_csv(sections), exports.CSV_CONTENT_TYPE
    else:
        content = exports.as_xlsx(sections, title=results.survey.title)
        content_type = exports.XLSX_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="enquete-{results.survey.pk}.{extension}"')
    return response


@login_required
@require_GET
def survey_export_csv(request, survey_id):
    return _export(request, survey_id, "csv")


@login_required
@require_GET
def survey_export_xlsx(request, survey_id):
    return _export(request, survey_id, "xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def funder_invite(request, survey_id):
    _require_manager(request.user)
    survey = get_object_or_404(surveys_visible_to(request.user).filter(
        kind=SurveyKind.FUNDERS), pk=survey_id)
    form = FunderInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.funder_invite(survey=survey, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if invitation is None:
                messages.info(request, _("This funder was already invited."))
            else:
                messages.success(request, _("The invitation is sent to %(email)s.")
                                 % {"email": invitation.email})
            return redirect("surveys:results", survey_id=survey.pk)
    return render(request, "surveys/funder_invite.html", {"survey": survey, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def handouts(request, survey_id):
    """The personal links of the people the survey could not be e-mailed to (no address), to
    print and hand over, as a link and a QR code. Open, unanswered invitations only."""
    _require_manager(request.user)
    survey = get_object_or_404(surveys_visible_to(request.user), pk=survey_id)
    form, scope, query = _scope(request)
    invitations = (scope.invitations(SurveyInvitation.objects.filter(
        survey=survey, answered=False, expires_at__gt=timezone.now()))
        .filter(Q(person__isnull=False, person__email="") | Q(person__isnull=True, email=""))
        .select_related("person", "cohort", "path").order_by("cohort__name", "pk"))
    cards = []
    for invitation in invitations:
        url = services.invitation_link(invitation)
        cards.append({"invitation": invitation, "url": url,
                      "qr": segno.make(url, error="m").svg_data_uri(scale=1, border=4),
                      "expires_on": timezone.localdate(invitation.expires_at)})
    response = render(request, "surveys/handouts.html",
                      {"survey": survey, "cards": cards, "form": form, "query": query})
    # The page holds personal links: never kept by the browser or a proxy.
    add_never_cache_headers(response)
    return response
