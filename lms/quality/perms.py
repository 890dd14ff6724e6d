"""The quality register, funding and BPF belong to managers alone."""

from rest_framework.permissions import BasePermission


def can_keep_register(user) -> bool:
    return user.is_authenticated and user.sees_everything


class IsManager(BasePermission):
    def has_permission(self, request, view):
        return can_keep_register(request.user)
