"""Who may see audit packs: managers only. Anyone else signed in is answered 404 — a pack holds
personal data, and nobody else learns it exists."""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission


def can_see_packs(user) -> bool:
    return user.is_authenticated and user.sees_everything


class ManagersOnlyOrNotFound(BasePermission):
    def has_permission(self, request, view):
        allowed = can_see_packs(request.user)
        if request.user.is_authenticated and not allowed:
            raise exceptions.NotFound
        return allowed
