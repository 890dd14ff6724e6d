"""What every progress viewset shares: the learners its inputs choose from."""


from lms.core.api import ScopedViewSetMixin

from ..perms import learners_followed_by


class ProgressViewSetMixin(ScopedViewSetMixin):
    # No docstring: the base's is the schema's description. Learner fields choose among the
    # learners the caller follows.

    def scopes(self, user) -> dict:
        return {"learners": learners_followed_by(user)}
