"""The calendar feed (no login: a secret address), the person's calendar page, the reminders
opt-out link, and the staff pages of a group's messages and letters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lms.cohorts.models import Cohort
from lms.progress.models import CohortMembership

from . import services
from .enums import Channel
from .models import CalendarFeed, SentMessage


@require_GET
def feed(request, token):
    """Anyone holding the address reads it: session facts only, never other people's names."""
    calendar = (CalendarFeed.objects.select_related("user")
                .filter(token=token, user__is_active=True, user__erased_at__isnull=True)
                .first())
    if calendar is None:
        raise Http404
    response = HttpResponse(services.feed_ics(feed=calendar),
                            content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_calendar(request):
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "regenerate":
            services.calendar_feed_regenerate(user=user)
            messages.success(request, _("Your calendar has a new address: the previous one "
                                        "no longer works."))
        elif action == "revoke":
            services.calendar_feed_revoke(user=user)
            messages.success(request, _("Your calendar address no longer works."))
        elif action in ("reminders-off", "reminders-on"):
            services.reminders_set(user=user, off=action == "reminders-off")
            messages.success(request, _("Your choice about reminders is saved."))
        else:
            return render(request, "convocations/my_calendar.html",
                          _my_calendar_context(user), status=400)
        return redirect("convocations:my-calendar")
    return render(request, "convocations/my_calendar.html", _my_calendar_context(user))


def _my_calendar_context(user) -> dict:
    calendar = CalendarFeed.objects.filter(user=user).first()
    return {
        "feed_url": services.absolute_url(reverse("calendar-feed", args=[calendar.token]))
        if calendar else "",
        "reminders_off": services.reminders_off(user),
    }


@require_http_methods(["GET", "POST"])
def reminders_unsubscribe(request):
    """The link of a convocation or reminder: no login, a signed address. GET only asks (mail
    scanners open links); POST stops the reminders."""
    token = request.POST.get("t") or request.GET.get("t") or ""
    person = services.optout_user(token)
    done = False
    if request.method == "POST" and person is not None:
        services.reminders_set(user=person, off=True)
        done = True
    return render(request, "convocations/unsubscribe.html",
                  {"token": token, "valid": person is not None, "done": done})


def _cohort_or_404(request, cohort_id) -> Cohort:
    """The cohort's trainers and managers; 404 for everyone else."""
    return get_object_or_404(Cohort.objects.scheduled_by(request.user).select_related("path"),
                             pk=cohort_id)


@login_required
@require_GET
def cohort_messages(request, cohort_id):
    cohort = _cohort_or_404(request, cohort_id)
    sent = list(SentMessage.objects.filter(cohort=cohort)
                .select_related("learner", "session").order_by("-sent_at", "-pk"))
    shown = None
    if request.GET.get("message", "").isdigit():
        shown = next((m for m in sent if m.pk == int(request.GET["message"])), None)
        if shown is None:
            raise Http404
    letters = {}
    for message in sent:
        if message.channel == Channel.LETTER and message.learner_id:
            letters.setdefault(message.learner_id, message.learner)
    return render(request, "convocations/cohort_messages.html", {
        "cohort": cohort, "sent": sent, "shown": shown, "letters": list(letters.values()),
    })


@login_required
@require_GET
def cohort_letters(request, cohort_id, learner_id):
    """The letters of a learner without e-mail, to print and hand over."""
    cohort = _cohort_or_404(request, cohort_id)
    if not CohortMembership.objects.filter(cohort=cohort,
                                           enrollment__learner_id=learner_id).exists():
        raise Http404
    letters = list(SentMessage.objects.filter(cohort=cohort, learner_id=learner_id,
                                              channel=Channel.LETTER).order_by("sent_at", "pk"))
    return render(request, "convocations/letters.html", {"cohort": cohort, "letters": letters})
