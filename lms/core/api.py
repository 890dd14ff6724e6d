"""The base of the API's viewsets: what the caller may see is the model's scope, so a foreign
object answers 404, never 403. Errors are answered by lms.core.api_errors."""

from rest_framework.permissions import IsAuthenticated


class ScopedViewSetMixin:
    """Querysets are scoped to the caller, so a foreign object answers 404, never 403."""

    # The docstring above is the API schema's description of every scoped viewset without one
    # of its own: keep it. The queryset is `model.objects.<scope>(request.user)`; `scopes(user)`
    # gives the querysets the serializers' scoped fields choose from
    # (lms.core.serializers.ScopedPrimaryKeyField), put in the serializer context under their
    # names.

    permission_classes = [IsAuthenticated]
    model: type
    scope = "visible_to"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no query
            return self.model.objects.none()
        return self.scoped_queryset(self.request.user)

    def scoped_queryset(self, user):
        return getattr(self.model.objects, self.scope)(user)

    def scopes(self, user) -> dict:
        return {}

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context.update(self.scopes(self.request.user))
        return context

    def validated(self, serializer_class=None) -> dict:
        """The request's data, validated by `serializer_class` (the action's by default)."""
        serializer_class = serializer_class or self.get_serializer_class()
        serializer = serializer_class(data=self.request.data,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
