"""The quality register, funding and BPF belong to managers alone."""

from rest_framework.permissions import BasePermission


class IsManager(BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.sees_everything
