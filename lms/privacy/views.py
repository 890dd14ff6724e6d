"""Managers' pages for a person's data: download everything held about them (JSON) and
anonymise a learner's account. Anyone else gets a 404."""

import json

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from .erasure import is_erasable, personal_data_erase
from .export import personal_data_export

SEARCH_LIMIT = 50


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The request and its date, e.g. “Written request received on "
                               "12/03”. Kept in the erasure record."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that the erasure cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


def _require_manager(user) -> None:
    # 404 rather than 403: nobody else learns which accounts exist.
    if not (user.is_authenticated and user.sees_everything):
        raise Http404


def _person(request, user_id):
    _require_manager(request.user)
    return get_object_or_404(get_user_model(), pk=user_id)


@login_required
@require_GET
def search(request):
    """Find the person whose request it is, by name, username or email."""
    _require_manager(request.user)
    query = request.GET.get("q", "").strip()[:100]
    people = []
    if query:
        words = Q()
        for word in query.split():
            words &= (Q(username__icontains=word) | Q(email__icontains=word)
                      | Q(first_name__icontains=word) | Q(last_name__icontains=word))
        people = list(get_user_model().objects.filter(words)
                      .order_by("last_name", "first_name", "username")[:SEARCH_LIMIT])
    return render(request, "privacy/search.html",
                  {"query": query, "people": people, "limit": SEARCH_LIMIT})


@login_required
@require_GET
def person(request, user_id):
    subject = _person(request, user_id)
    return render(request, "privacy/person.html",
                  {"subject": subject, "erasable": is_erasable(subject)})


@login_required
@require_GET
def export_json(request, user_id):
    subject = _person(request, user_id)
    data = personal_data_export(user=subject, by=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="donnees-personnelles-{subject.pk}.json"')
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request, user_id):
    subject = _person(request, user_id)
    erasable = is_erasable(subject)
    form = EraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and erasable:
            try:
                result = personal_data_erase(user=subject, by=request.user,
                                             reason=form.cleaned_data["reason"])
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as error:
                form.add_error(None, ValidationError(error.messages))
            else:
                return render(request, "privacy/erased.html",
                              {"subject": subject, "result": result})
        status = 400
    return render(request, "privacy/erase.html",
                  {"subject": subject, "form": form, "erasable": erasable}, status=status)


urlpatterns = [
    path("", search, name="search"),
    path("<int:user_id>/", person, name="person"),
    path("<int:user_id>/export.json", export_json, name="export"),
    path("<int:user_id>/effacer/", erase, name="erase"),
]
