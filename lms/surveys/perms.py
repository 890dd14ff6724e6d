"""Who sees survey results: managers (the quality of the whole organisation). Everyone else
gets a 404. Answering needs no account: the personal link is the permission."""

from rest_framework.permissions import BasePermission

from .models import Survey


def can_see_results(user) -> bool:
    return user.is_authenticated and user.sees_everything


def surveys_visible_to(user):
    return Survey.objects.all() if can_see_results(user) else Survey.objects.none()


class IsManager(BasePermission):
    """The API's check: results are the managers' (can_see_results)."""

    def has_permission(self, request, view):
        return can_see_results(request.user)
