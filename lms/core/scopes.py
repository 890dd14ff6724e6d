"""The frame every queryset scope shares (les-emplois' habit: visibility as queryset methods).

The rule itself — which rows a trainer, a staff member or a learner sees — is each model's;
what is the same everywhere is written here once: nobody anonymous sees anything, whoever
`sees_everything` (managers, admins) sees every row, and someone without the role the scope is
for sees none."""


def role_scope(queryset, user, *, role: str, scope):
    """`queryset` as `user` may see it: `scope(queryset)` for those holding `role` (a User
    flag such as "is_trainer"), all of it for those who see everything, none otherwise."""
    if not user.is_authenticated:
        return queryset.none()
    if user.sees_everything:
        return queryset
    if not getattr(user, role):
        return queryset.none()
    return scope(queryset)


def own_or_trained(queryset, user, *, own, trained, distinct: bool = False):
    """`queryset` as `user` may see rows about learners: their own (`own`, a Q), and for a
    trainer also those of what they train (`trained()`, a Q); all of it for those who see
    everything, nothing for the anonymous. `distinct` when `trained` joins many-valued rows."""
    if not user.is_authenticated:
        return queryset.none()
    if user.sees_everything:
        return queryset
    scope = own
    if user.is_trainer:
        scope |= trained()
    scoped = queryset.filter(scope)
    return scoped.distinct() if distinct else scoped
