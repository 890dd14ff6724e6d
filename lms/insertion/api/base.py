"""What every insertion viewset shares: the scopes of its inputs, the check that the caller
follows trainees, and the filters of the follow-up collections."""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions

from lms.core.api import ScopedViewSetMixin
from lms.core.filters import IdFilter

from ..models import PlanObjective, Programme, Trainee
from ..perms import follows_trainees


class InsertionViewSetMixin(ScopedViewSetMixin):
    # A concurrent write won the race (e.g. the same trainee recorded twice).
    conflict_message = gettext_lazy(
        "This change conflicts with another one made meanwhile: reload and try again.")

    def scopes(self, user) -> dict:
        # Lazy querysets: only the inputs that name such an object run them.
        return {"trainees": Trainee.objects.in_care_of(user),
                "programmes": Programme.objects.visible_to(user),
                "objectives": PlanObjective.objects.visible_to(user)}

    def check_follower(self):
        if not follows_trainees(self.request.user):
            raise exceptions.PermissionDenied(
                _("Only insertion staff and managers record the follow-up."))


class FollowUpFilter(django_filters.FilterSet):
    """The `trainee` and `programme` filters every follow-up collection offers."""

    trainee = IdFilter(field_name="trainee_id")
    programme = IdFilter(field_name="trainee__programme_id")
