"""“Enrol learners”, from a path's or a cohort's follow-up page: trainers and managers find
learners who have an account (a plain GET search) and enrol the ticked ones at once, or create
the account of a newcomer and enrol them, into the path and one of its cohorts.

Who reaches which page is the follow-up pages' rule (anything else is a 404); which cohorts
may be chosen is the services' rule, shown as the form's choices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path as url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from lms.accounts.services import is_namesake_refusal
from lms.cohorts.models import Cohort
from lms.core.forms import add_service_errors

from .. import services
from ..forms import EnrollLearnersForm, LearnerSearchForm, NewLearnerForm
from ..learner_search import enrollment_candidates
from ..perms import paths_managed_by


def _follow_up_url(path, cohort) -> str:
    if cohort is not None:
        return reverse("progress:trainer_cohort", args=[cohort.pk])
    return reverse("progress:trainer_path", args=[path.pk])


def _target(path, cohort) -> str:
    if cohort is None:
        return path.title
    return _("%(path)s, group %(cohort)s") % {"path": path.title, "cohort": cohort.name}


def _search_url(query: str) -> str:
    return "?" + urlencode({"q": query}) + "#results"


def _refused(form, error) -> None:
    """A service's refusal as the form's errors, on the field it names when the form has it."""
    if isinstance(error, PermissionDenied):
        add_service_errors(form, error, fallback=_("You cannot enrol learners here."))
        return
    if is_namesake_refusal(error):
        # Another submission made an account with this name after the form was checked (a
        # double click): checked again, the form finds it and asks as it would have.
        form.full_clean()
        if form.has_error(NON_FIELD_ERRORS, "namesake"):
            return
    add_service_errors(form, error)


def _enroll_existing(request, form, *, path):
    cohort = form.selected_cohort
    try:
        batch = services.enroll_many(learners=list(form.cleaned_data["learners"]), path=path,
                                     by=request.user, cohort=cohort,
                                     joined_on=form.cleaned_data.get("joined_on"))
    except (ValidationError, PermissionDenied) as error:
        _refused(form, error)
        return None
    target = _target(path, cohort)
    created, existing, placed = len(batch.created), len(batch.existing), len(batch.placed)
    if created or placed:
        texts = []
        if created:
            texts.append(ngettext("%(count)d learner enrolled: %(target)s.",
                                  "%(count)d learners enrolled: %(target)s.",
                                  created) % {"count": created, "target": target})
        if placed:
            texts.append(ngettext(
                "%(count)d learner already enrolled in the path placed in the group "
                "%(cohort)s.",
                "%(count)d learners already enrolled in the path placed in the group "
                "%(cohort)s.", placed) % {"count": placed, "cohort": cohort.name})
        text = " ".join(texts)
        if existing:
            text += " " + ngettext(
                "%(count)d other was already enrolled in the path: nothing changed for them.",
                "%(count)d others were already enrolled in the path: nothing changed for them.",
                existing) % {"count": existing}
        messages.success(request, text)
    else:
        messages.info(request, ngettext(
            "This learner was already enrolled in the path: nothing changed.",
            "These %(count)d learners were already enrolled in the path: nothing changed.",
            existing) % {"count": existing})
    return redirect(_follow_up_url(path, cohort))


def _create_and_enroll(request, form, *, path):
    data, cohort = form.cleaned_data, form.selected_cohort
    try:
        enrollment = services.learner_create_and_enroll(
            first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
            phone=data["phone"], birth_date=data["birth_date"], path=path, cohort=cohort,
            namesake_ok=data["namesake_ok"], by=request.user, joined_on=data.get("joined_on"),
        )
    except (ValidationError, PermissionDenied) as error:
        _refused(form, error)
        return None
    learner = enrollment.learner
    messages.success(request, _(
        "%(name)s now has a learner account (username %(username)s) and is enrolled: "
        "%(target)s."
    ) % {"name": learner, "username": learner.username, "target": _target(path, cohort)})
    return redirect(_follow_up_url(path, cohort))


def _enrol_page(request, *, path, cohort=None):
    user = request.user
    # A closed group takes no learner: it is not offered.
    cohorts = list(Cohort.objects.managed_by(user).select_related("path").open().filter(path=path)
                   .order_by("-start_date", "name"))
    target = {"cohorts": cohorts,
              "outside_allowed": services.can_enroll_outside_cohorts(user, path)}
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    search = LearnerSearchForm({"q": data.get("q", "")})
    query = search.query
    initial = {"cohort": cohort.pk if cohort else None, "q": query}
    enrol_form = EnrollLearnersForm(user=user, initial=initial, **target)
    new_form = NewLearnerForm(initial=initial, **target)
    status = 200 if search.is_valid() else 400
    if posted:
        if request.POST.get("action") == "create":
            new_form = NewLearnerForm(request.POST, **target)
            done = new_form.is_valid() and _create_and_enroll(request, new_form, path=path)
        else:
            enrol_form = EnrollLearnersForm(request.POST, user=user, **target)
            done = enrol_form.is_valid() and _enroll_existing(request, enrol_form, path=path)
        if done:
            return done
        status = 400

    results = None
    if query:
        results = enrollment_candidates(
            query=query, path=path, user=user, whole_path=target["outside_allowed"],
            cohort_ids={c.pk for c in cohorts})
    # Learners in no group yet (self-enrolled ones) are ticked to be placed in a group.
    selectable = ({c.learner.pk for c in results.candidates
                   if not c.enrolled or (c.placeable and cohorts)} if results else set())
    select_all = not posted and request.GET.get("all") == "1"
    if enrol_form.is_bound:
        ticked = enrol_form.ticked
    else:
        ticked = selectable if select_all else set()
    return render(request, "progress/staff/enrol.html", {
        "path": path, "cohort": cohort, "search": search, "query": query, "results": results,
        "selectable": selectable, "ticked": ticked, "can_place": bool(cohorts),
        "select_all": select_all,
        "select_all_url": "?" + urlencode({"q": query, **({} if select_all else {"all": 1})}),
        "namesakes": [(person, _search_url(person.username))
                      for person in getattr(new_form, "namesakes", [])],
        "email_search_url": (_search_url(new_form.data.get("email", ""))
                             if new_form.has_error("email", "email_taken") else ""),
        "enrol_form": enrol_form, "new_form": new_form,
        "follow_up_url": _follow_up_url(path, cohort),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enrol_in_path(request, path_id):
    path = get_object_or_404(paths_managed_by(request.user), pk=path_id)
    return _enrol_page(request, path=path)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enrol_in_cohort(request, cohort_id):
    cohort = get_object_or_404(Cohort.objects.managed_by(request.user).select_related("path"),
                               pk=cohort_id)
    return _enrol_page(request, path=cohort.path, cohort=cohort)


urlpatterns = [
    url("formation/parcours/<int:path_id>/inscrire/", enrol_in_path,
        name="trainer_path_enrol"),
    url("formation/groupe/<int:cohort_id>/inscrire/", enrol_in_cohort,
        name="trainer_cohort_enrol"),
]
