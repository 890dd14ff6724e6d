"""Insertion staff's pages: the dashboard of the trainees they follow, a trainee's page with
its follow-up forms, and the creation of a trainee. Managers see every trainee but read the
confidential notes only of the programmes they staff; anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path as url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.core.forms import add_service_errors

from .. import forms, selectors, services
from ..models import Milestone, PlanObjective, Programme, Trainee
from ..perms import can_create_programme, can_read_notes, follows_trainees

NOTES_CONTEXT = "trainee page"


def _require_follower(user) -> None:
    # 404 rather than 403: trainers and learners learn nothing of what exists here.
    if not follows_trainees(user):
        raise Http404


def _trainee_or_404(request, trainee_id) -> Trainee:
    _require_follower(request.user)
    trainees = Trainee.objects.followed_by(request.user).select_related(
        "programme", "learner", "referent", "exit")
    return get_object_or_404(trainees, pk=trainee_id)


# Dashboard ----------------------------------------------------------------------------------

SORTABLE = ["name", "contract_end", "last_interview", "rate"]


@login_required
@require_GET
def dashboard(request):
    _require_follower(request.user)
    programmes = Programme.objects.visible_to(request.user)
    form_kwargs = {"programmes": list(programmes),
                   "referents": list(selectors.referents_of(programmes))}
    values = forms.DashboardFilterForm(request.GET, **form_kwargs).values
    rows = selectors.dashboard_rows(user=request.user, **values)
    # Shown with the values applied: an ignored parameter does not come back.
    filters = {"programme": values["programme_id"] or "", "status": values["status"] or "",
               "referent": values["referent_id"] or "",
               "alerts": "1" if values["only_alerts"] else ""}
    kept = {key: value for key, value in filters.items() if value}
    sort = values["sort"]
    columns = {}
    for key in SORTABLE:
        current = sort.lstrip("-") == key
        descending = current and sort.startswith("-")
        columns[key] = {
            "url": "?" + urlencode({**kept, "sort": f"-{key}" if current and not descending
                                    else key}),
            "aria_sort": ("descending" if descending else "ascending") if current else "",
        }
    return render(request, "insertion/dashboard/index.html", {
        "rows": rows, "columns": columns, "sort": sort, "filtered": bool(kept),
        "form": forms.DashboardFilterForm(initial={**filters, "sort": sort}, **form_kwargs),
        "alert_count": sum(1 for row in rows if row.alerts),
        "can_create": request.user.sees_everything or bool(form_kwargs["programmes"]),
        "can_create_programme": can_create_programme(request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def trainee_create(request):
    _require_follower(request.user)
    programmes = Programme.objects.visible_to(request.user)
    form_kwargs = {"programmes": programmes, "referents": selectors.referents_of(programmes),
                   "user": request.user}
    if request.method != "POST":
        form = forms.TraineeCreateForm(**form_kwargs)
        return render(request, "insertion/dashboard/trainee_create.html", {"form": form})
    form = forms.TraineeCreateForm(request.POST, **form_kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            trainee = services.trainee_create_with_learner(
                by=request.user, programme=data["programme"], learner=data["learner"],
                first_name=data["first_name"], last_name=data["last_name"],
                email=data["email"], namesake_ok=data["namesake_ok"],
                referent=data["referent"], entry_date=data["entry_date"],
                pass_iae_number=data["pass_iae_number"].strip(),
                pass_iae_start=data["pass_iae_start"], pass_iae_end=data["pass_iae_end"],
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            form.refused(error)
        else:
            messages.success(request, _("%(name)s now follows the programme.") % {
                "name": trainee.learner})
            if data["learner"] is None:
                messages.info(request, _(
                    "%(name)s has no password yet: use “Give access” under Identity to hand "
                    "them a QR code or email them a link to choose one.") % {
                    "name": trainee.learner})
            return redirect("insertion:trainee_detail", trainee_id=trainee.pk)
    return render(request, "insertion/dashboard/trainee_create.html", {"form": form},
                  status=400)


# Trainee page -------------------------------------------------------------------------------

def _trainee_page(request, trainee, *, bound=None, status=200):
    """The page, with `bound` forms ({key: form}) in place of the blank ones after an error."""
    bound = bound or {}
    notes_readable = can_read_notes(request.user, trainee)
    if notes_readable:
        # The only way to the notes: it logs this reading.
        interviews = services.interview_notes_read(trainee=trainee, user=request.user,
                                                   context=NOTES_CONTEXT)
    else:
        interviews = selectors.interviews_without_notes(trainee)
    file = selectors.trainee_file(trainee, interviews=interviews, notes_readable=notes_readable)
    exit_initial = {}
    if file.exit is not None:
        exit_initial = {"date": file.exit.date, "category": file.exit.category,
                        "outcome": file.exit.outcome, "planned": file.exit.planned,
                        "comment": file.exit.comment}
    page_forms = {
        "status": forms.StatusForm(trainee=trainee),
        "contract": forms.ContractForm(),
        "objective": forms.ObjectiveForm(),
        "obstacle": forms.ObstacleForm(),
        "interview": forms.InterviewForm() if notes_readable else None,
        "exit": forms.ExitForm(initial=exit_initial),
    }
    page_forms.update({key: form for key, form in bound.items() if key in page_forms})
    for group in file.plan:
        for objective in group.objectives:
            objective.status_form = bound.get(("objective_status", objective.pk)) or (
                forms.ObjectiveStatusForm(prefix=f"objective-{objective.pk}",
                                          initial={"status": objective.status}))
            objective.milestone_form = bound.get(("milestone", objective.pk)) or (
                forms.MilestoneForm(prefix=f"milestone-{objective.pk}"))
            for milestone in objective.milestones.all():
                milestone.done_form = bound.get(("milestone_done", milestone.pk))
    return render(request, "insertion/trainee/detail.html", {
        "trainee": trainee, "file": file, "forms": page_forms,
    }, status=status)


@login_required
@require_GET
def trainee_detail(request, trainee_id):
    return _trainee_page(request, _trainee_or_404(request, trainee_id))


def _act(request, trainee, *, key, form, perform, success: str, anchor: str):
    """Run `perform(cleaned_data)` for a valid form; otherwise, or on a service's refusal, the
    page again with the errors in the form (400)."""
    if form.is_valid():
        try:
            perform(form.cleaned_data)
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(reverse("insertion:trainee_detail", args=[trainee.pk]) + anchor)
    return _trainee_page(request, trainee, bound={key: form}, status=400)


@login_required
@require_POST
def trainee_status(request, trainee_id):
    trainee = _trainee_or_404(request, trainee_id)
    return _act(
        request, trainee, key="status",
        form=forms.StatusForm(request.POST, trainee=trainee),
        perform=lambda data: services.trainee_set_status(
            trainee=trainee, status=data["status"], by=request.user,
            reason=data["reason"].strip(), on=data["on"]),
        success=_("Status changed."), anchor="#statut",
    )


@login_required
@require_POST
def contract_add(request, trainee_id):
    trainee = _trainee_or_404(request, trainee_id)
    return _act(
        request, trainee, key="contract", form=forms.ContractForm(request.POST),
        perform=lambda data: services.contract_add(
            trainee=trainee, by=request.user, start_date=data["start_date"],
            end_date=data["end_date"], weekly_hours=data["weekly_hours"],
            kind=data["kind"] or None),
        success=_("Contract recorded."), anchor="#contrats",
    )


@login_required
@require_POST
def objective_add(request, trainee_id):
    trainee = _trainee_or_404(request, trainee_id)
    return _act(
        request, trainee, key="objective", form=forms.ObjectiveForm(request.POST),
        perform=lambda data: services.objective_add(
            trainee=trainee, by=request.user, category=data["category"], title=data["title"],
            target_date=data["target_date"], training_path=data["training_path"]),
        success=_("Objective added to the plan."), anchor="#plan",
    )


@login_required
@require_POST
def objective_status(request, trainee_id, objective_id):
    trainee = _trainee_or_404(request, trainee_id)
    objective = get_object_or_404(PlanObjective, pk=objective_id, trainee=trainee)
    objective.trainee = trainee
    return _act(
        request, trainee, key=("objective_status", objective.pk),
        form=forms.ObjectiveStatusForm(request.POST, prefix=f"objective-{objective.pk}"),
        perform=lambda data: services.objective_set_status(
            objective=objective, by=request.user, status=data["status"]),
        success=_("Objective updated."), anchor=f"#objectif-{objective.pk}",
    )


@login_required
@require_POST
def milestone_add(request, trainee_id, objective_id):
    trainee = _trainee_or_404(request, trainee_id)
    objective = get_object_or_404(PlanObjective, pk=objective_id, trainee=trainee)
    objective.trainee = trainee
    return _act(
        request, trainee, key=("milestone", objective.pk),
        form=forms.MilestoneForm(request.POST, prefix=f"milestone-{objective.pk}"),
        perform=lambda data: services.milestone_add(
            objective=objective, by=request.user, title=data["title"],
            due_date=data["due_date"]),
        success=_("Milestone added."), anchor=f"#objectif-{objective.pk}",
    )


@login_required
@require_POST
def milestone_done(request, trainee_id, milestone_id):
    trainee = _trainee_or_404(request, trainee_id)
    milestone = get_object_or_404(Milestone.objects.select_related("objective"),
                                  pk=milestone_id, objective__trainee=trainee)
    milestone.objective.trainee = trainee
    form = forms.MilestoneDoneForm(request.POST, prefix=f"done-{milestone.pk}")
    if milestone.done_on:
        form.add_error(None, _("This milestone is already done."))
    return _act(
        request, trainee, key=("milestone_done", milestone.pk), form=form,
        perform=lambda data: services.milestone_done(milestone=milestone, by=request.user,
                                                     on=data["done_on"]),
        success=_("Milestone done."), anchor=f"#objectif-{milestone.objective_id}",
    )


@login_required
@require_POST
def obstacle_assess(request, trainee_id):
    trainee = _trainee_or_404(request, trainee_id)
    return _act(
        request, trainee, key="obstacle", form=forms.ObstacleForm(request.POST),
        perform=lambda data: services.obstacle_assess(
            trainee=trainee, by=request.user, category=data["category"],
            severity=data["severity"], note=data["note"], on=data["assessed_on"]),
        success=_("Obstacle assessed."), anchor="#freins",
    )


@login_required
@require_POST
def interview_record(request, trainee_id):
    trainee = _trainee_or_404(request, trainee_id)
    if not can_read_notes(request.user, trainee):
        raise Http404  # only the programme's staff hold interviews
    return _act(
        request, trainee, key="interview", form=forms.InterviewForm(request.POST),
        perform=lambda data: services.interview_record(
            trainee=trainee, by=request.user, date=data["date"], kind=data["kind"],
            notes=data["notes"], next_steps=data["next_steps"]),
        success=_("Interview recorded."), anchor="#parcours",
    )


@login_required
@require_POST
def exit_record(request, trainee_id):
    trainee = _trainee_or_404(request, trainee_id)
    return _act(
        request, trainee, key="exit", form=forms.ExitForm(request.POST),
        perform=lambda data: services.exit_record(
            trainee=trainee, by=request.user, date=data["date"], category=data["category"],
            outcome=data["outcome"], comment=data["comment"], planned=data["planned"]),
        success=_("Exit recorded."), anchor="#sortie",
    )


TRAINEE = "beneficiaires/<int:trainee_id>/"

urlpatterns = [
    url("", dashboard, name="dashboard"),
    url("beneficiaires/nouveau/", trainee_create, name="trainee_create"),
    url(TRAINEE, trainee_detail, name="trainee_detail"),
    url(f"{TRAINEE}statut/", trainee_status, name="trainee_status"),
    url(f"{TRAINEE}contrats/", contract_add, name="trainee_contract_add"),
    url(f"{TRAINEE}objectifs/", objective_add, name="trainee_objective_add"),
    url(f"{TRAINEE}objectifs/<int:objective_id>/statut/", objective_status,
        name="trainee_objective_status"),
    url(f"{TRAINEE}objectifs/<int:objective_id>/etapes/", milestone_add,
        name="trainee_milestone_add"),
    url(f"{TRAINEE}etapes/<int:milestone_id>/faite/", milestone_done,
        name="trainee_milestone_done"),
    url(f"{TRAINEE}freins/", obstacle_assess, name="trainee_obstacle_assess"),
    url(f"{TRAINEE}entretiens/", interview_record, name="trainee_interview_record"),
    url(f"{TRAINEE}sortie/", exit_record, name="trainee_exit_record"),
]
