"""The quality register, funding and BPF belong to managers alone."""

from rest_framework.permissions import BasePermission

from lms.progress.permissions import is_manager


class IsManager(BasePermission):
    def has_permission(self, request, view):
        return is_manager(request.user)
