"""Programme figures for funders: managers see every programme, insertion staff their own.
Anyone else gets a 404, as does a programme the user does not work in."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from lms.progress.forms import DATE_WIDGET, PERIOD_LIMITS

from .. import figures as report
from ..models import Programme
from ..perms import follows_trainees


class FiguresForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"), queryset=Programme.objects.none(), required=False,
        empty_label=gettext_lazy("All my programmes"),
    )
    start = forms.DateField(label=gettext_lazy("Start date"), widget=DATE_WIDGET)
    end = forms.DateField(label=gettext_lazy("End date"), widget=DATE_WIDGET)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    @classmethod
    def from_query(cls, query, *, programmes) -> "FiguresForm":
        """Bound from GET parameters; missing dates default to the current calendar year so
        that the page and the exports work without any parameter."""
        start, end = report.default_period()
        return cls({"programme": query.get("programme", ""),
                    "start": query.get("start") or start.isoformat(),
                    "end": query.get("end") or end.isoformat()}, programmes=programmes)

    def clean(self):
        cleaned = super().clean()
        for name in ("start", "end"):
            day = cleaned.get(name)
            if day and not PERIOD_LIMITS[0] <= day <= PERIOD_LIMITS[1]:
                self.add_error(name, _("Choose a date between %(low)s and %(high)s.") % {
                    "low": PERIOD_LIMITS[0].year, "high": PERIOD_LIMITS[1].year})
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned


def _form(request) -> FiguresForm:
    if not follows_trainees(request.user):
        raise Http404
    programmes = Programme.objects.visible_to(request.user)
    form = FiguresForm.from_query(request.GET, programmes=programmes)
    if not form.is_valid() and "programme" in form.errors:
        # Someone else's programme: as if it did not exist.
        raw = request.GET.get("programme", "")
        if raw.isdigit() and Programme.objects.filter(pk=raw).exists():
            raise Http404
    return form


def _figures(request, form):
    data = form.cleaned_data
    return report.programme_figures(user=request.user, start=data["start"], end=data["end"],
                                    programme=data["programme"])


@login_required
@require_GET
def figures_page(request):
    form = _form(request)
    if not form.is_valid():
        return render(request, "insertion/figures/figures.html", {"form": form}, status=400)
    figures = _figures(request, form)
    query = {"start": figures.start.isoformat(), "end": figures.end.isoformat()}
    if figures.programme:
        query["programme"] = figures.programme.pk
    return render(request, "insertion/figures/figures.html", {
        "form": form, "figures": figures, "chart": report.exits_chart(figures),
        "query": urlencode(query),
        "pseudonymised_query": urlencode({**query, "pseudonymised": "1"}),
    })


def _export(request, *, extension, content_type, build):
    form = _form(request)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages)}"
                           for name, messages in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    pseudonymised = request.GET.get("pseudonymised", "") in ("1", "on", "true")
    figures = _figures(request, form)
    response = HttpResponse(build(figures, pseudonymised=pseudonymised),
                            content_type=content_type)
    filename = report.export_filename(figures, extension, pseudonymised=pseudonymised)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def figures_export_xlsx(request):
    return _export(request, extension="xlsx", content_type=report.XLSX_CONTENT_TYPE,
                   build=report.figures_xlsx)


@login_required
@require_GET
def figures_export_csv(request):
    return _export(request, extension="csv", content_type=report.CSV_CONTENT_TYPE,
                   build=report.figures_csv)


urlpatterns = [
    path("chiffres/", figures_page, name="figures"),
    path("chiffres/export.xlsx", figures_export_xlsx, name="figures-xlsx"),
    path("chiffres/export.csv", figures_export_csv, name="figures-csv"),
]
