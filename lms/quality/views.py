"""Managers' pages of the quality register (complaints, improvement actions), of funding per
enrolment and of the BPF figures. Anyone else gets a 404: they learn nothing of what exists."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lms.cohorts.models import Cohort
from lms.core.forms import add_service_errors
from lms.progress.models import Enrollment

from . import exports, forms, selectors, services
from .models import Complaint, EnrollmentFunding, Improvement
from .perms import can_keep_register

PAGE_SIZE = 50


def _require_manager(user) -> None:
    if not can_keep_register(user):
        raise Http404


def _filters(form_class, request):
    """The filter form bound to the query, and its valid values (an invalid filter is shown
    with its error and ignored, never a 500)."""
    form = form_class(request.GET or None)
    values = {"status": "", "year": None, "source": ""}
    if form.is_bound and form.is_valid():
        values.update({key: value for key, value in form.cleaned_data.items() if value})
    elif form.is_bound:
        values.update({key: value for key, value in form.cleaned_data.items()
                       if value and key not in form.errors})
    return form, values


def _query(values) -> str:
    return urlencode({key: value for key, value in values.items() if value})


def _save(request, form, save) -> bool:
    """Run the service; its errors land on the form's fields."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def _attachment(content, *, content_type, filename) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _spreadsheet(sections, *, extension: str, name: str, title) -> HttpResponse:
    """The same sections as a French-Excel CSV or as an XLSX workbook."""
    if extension == "csv":
        content, content_type = exports.as_csv(sections), exports.CSV_CONTENT_TYPE
    else:
        content = exports.as_xlsx(sections, title=title)
        content_type = exports.XLSX_CONTENT_TYPE
    return _attachment(content, content_type=content_type, filename=f"{name}.{extension}")


# Complaints ----------------------------------------------------------------------------------


@login_required
@require_GET
def complaint_list(request):
    _require_manager(request.user)
    form, values = _filters(forms.ComplaintFilterForm, request)
    page = Paginator(selectors.complaints_filtered(**values), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "quality/complaint_list.html", {
        "form": form, "page": page, "query": _query(values), "section": "complaints"})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_edit(request, complaint_id=None):
    _require_manager(request.user)
    complaint = get_object_or_404(Complaint, pk=complaint_id) if complaint_id else None
    form = forms.ComplaintForm(request.POST or None, instance=complaint)
    if request.method == "POST":
        def save(data):
            nonlocal complaint
            if complaint:
                services.complaint_update(complaint=complaint, by=request.user, **data)
            else:
                complaint = services.complaint_create(by=request.user, **data)
        if _save(request, form, save):
            messages.success(request, _("The complaint is saved."))
            return redirect("quality:complaint_detail", complaint_id=complaint.pk)
    return render(request, "quality/form.html", {
        "form": form, "object": complaint, "section": "complaints",
        "title": _("Edit the complaint") if complaint else _("Record a complaint")},
        status=400 if form.errors else 200)


@login_required
@require_GET
def complaint_detail(request, complaint_id):
    _require_manager(request.user)
    complaint = get_object_or_404(
        Complaint.objects.select_related("cohort", "path", "recorded_by")
        .prefetch_related(Prefetch("improvements",
                                   queryset=Improvement.objects.order_by("identified_on"))),
        pk=complaint_id)
    return render(request, "quality/complaint_detail.html",
                  {"complaint": complaint, "section": "complaints"})


def _complaint_sections(request):
    _require_manager(request.user)
    _form, values = _filters(forms.ComplaintFilterForm, request)
    return [(_("Complaints"), exports.complaint_headers(),
             list(exports.complaint_rows(selectors.complaints_filtered(**values))))]


@login_required
@require_GET
def complaints_export_csv(request):
    return _spreadsheet(_complaint_sections(request), extension="csv", name="reclamations",
                        title=_("Complaints"))


@login_required
@require_GET
def complaints_export_xlsx(request):
    return _spreadsheet(_complaint_sections(request), extension="xlsx", name="reclamations",
                        title=_("Complaints"))


# Improvement actions -------------------------------------------------------------------------


@login_required
@require_GET
def improvement_list(request):
    _require_manager(request.user)
    form, values = _filters(forms.ImprovementFilterForm, request)
    page = Paginator(selectors.improvements_filtered(**values), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "quality/improvement_list.html", {
        "form": form, "page": page, "query": _query(values), "section": "improvements"})


@login_required
@require_http_methods(["GET", "POST"])
def improvement_edit(request, improvement_id=None):
    _require_manager(request.user)
    improvement = (get_object_or_404(Improvement, pk=improvement_id) if improvement_id
                   else None)
    initial = {}
    if improvement is None and request.GET.get("complaint", "").isdigit():
        # "Plan an action" from a complaint's page: the form starts from that complaint.
        initial = {"source": "complaint", "complaint": request.GET["complaint"]}
    form = forms.ImprovementForm(request.POST or None, instance=improvement, initial=initial)
    if request.method == "POST":
        def save(data):
            nonlocal improvement
            if improvement:
                services.improvement_update(improvement=improvement, by=request.user, **data)
            else:
                improvement = services.improvement_create(by=request.user, **data)
        if _save(request, form, save):
            messages.success(request, _("The improvement action is saved."))
            return redirect("quality:improvement_detail", improvement_id=improvement.pk)
    return render(request, "quality/form.html", {
        "form": form, "object": improvement, "section": "improvements",
        "title": (_("Edit the improvement action") if improvement
                  else _("Record an improvement action"))},
        status=400 if form.errors else 200)


@login_required
@require_GET
def improvement_detail(request, improvement_id):
    _require_manager(request.user)
    improvement = get_object_or_404(
        Improvement.objects.select_related("complaint", "recorded_by"), pk=improvement_id)
    return render(request, "quality/improvement_detail.html",
                  {"improvement": improvement, "section": "improvements"})


def _improvement_sections(request):
    _require_manager(request.user)
    _form, values = _filters(forms.ImprovementFilterForm, request)
    return [(_("Improvement actions"), exports.improvement_headers(),
             list(exports.improvement_rows(selectors.improvements_filtered(**values))))]


@login_required
@require_GET
def improvements_export_csv(request):
    return _spreadsheet(_improvement_sections(request), extension="csv", name="ameliorations",
                        title=_("Improvement actions"))


@login_required
@require_GET
def improvements_export_xlsx(request):
    return _spreadsheet(_improvement_sections(request), extension="xlsx",
                        name="ameliorations", title=_("Improvement actions"))


# Funding -------------------------------------------------------------------------------------


@login_required
@require_GET
def funding_cohorts(request):
    _require_manager(request.user)
    cohorts = (Cohort.objects.select_related("path")
               .annotate(enrolled=Count("enrollments", distinct=True),
                         unfunded=Count("enrollments", distinct=True,
                                        filter=Q(enrollments__funding__isnull=True)))
               .order_by("-start_date", "name", "pk"))
    page = Paginator(cohorts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "quality/funding_cohorts.html", {"page": page, "section": "funding"})


@login_required
@require_GET
def funding_cohort(request, cohort_id):
    _require_manager(request.user)
    cohort = get_object_or_404(Cohort.objects.select_related("path"), pk=cohort_id)
    enrollments = (Enrollment.objects.filter(cohort=cohort)
                   .select_related("learner", "funding")
                   .order_by("learner__last_name", "learner__first_name", "pk"))
    return render(request, "quality/funding_cohort.html",
                  {"cohort": cohort, "enrollments": enrollments, "section": "funding"})


@login_required
@require_http_methods(["GET", "POST"])
def funding_edit(request, enrollment_id):
    _require_manager(request.user)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("learner", "path", "cohort"), pk=enrollment_id)
    funding = EnrollmentFunding.objects.filter(enrollment=enrollment).first()
    form = forms.FundingForm(request.POST or None, instance=funding)
    if request.method == "POST":
        def save(data):
            services.funding_save(enrollment=enrollment, by=request.user, **data)
        if _save(request, form, save):
            messages.success(request, _("The funding is saved."))
            if enrollment.cohort_id:
                return redirect("quality:funding_cohort", cohort_id=enrollment.cohort_id)
            return redirect("quality:funding")
    return render(request, "quality/funding_form.html", {
        "form": form, "enrollment": enrollment, "section": "funding"},
        status=400 if form.errors else 200)


# BPF -----------------------------------------------------------------------------------------


def _bpf_form(request):
    _require_manager(request.user)
    return forms.BpfYearForm({"annee": request.GET.get("annee")
                              or str(timezone.localdate().year)})


@login_required
@require_GET
def bpf(request):
    form = _bpf_form(request)
    if not form.is_valid():
        return render(request, "quality/bpf.html", {"form": form, "section": "bpf"}, status=400)
    figures = selectors.bpf_figures(year=form.cleaned_data["annee"])
    return render(request, "quality/bpf.html", {
        "form": form, "figures": figures, "section": "bpf",
        "query": urlencode({"annee": figures.year})})


def _bpf_export(request, build):
    form = _bpf_form(request)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(texts)}"
                           for name, texts in form.errors.items())
        return None, HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    figures = selectors.bpf_figures(year=form.cleaned_data["annee"])
    return figures, build(exports.bpf_sections(figures), figures)


@login_required
@require_GET
def bpf_export_csv(request):
    figures, content = _bpf_export(request, lambda sections, _f: exports.as_csv(sections))
    if figures is None:
        return content
    return _attachment(content, content_type=exports.CSV_CONTENT_TYPE,
                       filename=f"bpf-{figures.year}.csv")


@login_required
@require_GET
def bpf_export_xlsx(request):
    figures, content = _bpf_export(request, lambda sections, f: exports.as_xlsx(
        sections, title=_("BPF figures %(year)s") % {"year": f.year}))
    if figures is None:
        return content
    return _attachment(content, content_type=exports.XLSX_CONTENT_TYPE,
                       filename=f"bpf-{figures.year}.xlsx")


urlpatterns = [
    path("reclamations/", complaint_list, name="complaints"),
    path("reclamations/nouvelle/", complaint_edit, name="complaint_create"),
    path("reclamations/<int:complaint_id>/", complaint_detail, name="complaint_detail"),
    path("reclamations/<int:complaint_id>/modifier/", complaint_edit, name="complaint_edit"),
    path("reclamations/export.csv", complaints_export_csv, name="complaints_export_csv"),
    path("reclamations/export.xlsx", complaints_export_xlsx, name="complaints_export_xlsx"),
    path("ameliorations/", improvement_list, name="improvements"),
    path("ameliorations/nouvelle/", improvement_edit, name="improvement_create"),
    path("ameliorations/<int:improvement_id>/", improvement_detail,
         name="improvement_detail"),
    path("ameliorations/<int:improvement_id>/modifier/", improvement_edit,
         name="improvement_edit"),
    path("ameliorations/export.csv", improvements_export_csv, name="improvements_export_csv"),
    path("ameliorations/export.xlsx", improvements_export_xlsx,
         name="improvements_export_xlsx"),
    path("financements/", funding_cohorts, name="funding"),
    path("financements/groupes/<int:cohort_id>/", funding_cohort, name="funding_cohort"),
    path("financements/inscriptions/<int:enrollment_id>/", funding_edit, name="funding_edit"),
    path("bpf/", bpf, name="bpf"),
    path("bpf/export.csv", bpf_export_csv, name="bpf_export_csv"),
    path("bpf/export.xlsx", bpf_export_xlsx, name="bpf_export_xlsx"),
]
