"""Who may create, change and close which cohort: managers any, trainers those of the paths
they teach and the cohorts they train."""


def _is_manager(user) -> bool:
    return user.is_authenticated and user.sees_everything


def can_create_cohort(user, path) -> bool:
    """A manager, or a trainer of the path (its page lists them)."""
    if _is_manager(user):
        return True
    # Asked of the database: a page's parental relation answers from memory once touched.
    return (user.is_authenticated and user.is_trainer
            and type(path).objects.filter(pk=path.pk, trainers=user).exists())


def can_change_cohort(user, cohort) -> bool:
    """A manager, a trainer of the cohort, or a trainer of its whole path."""
    if _is_manager(user):
        return True
    if not (user.is_authenticated and user.is_trainer):
        return False
    return (cohort.trainers.filter(pk=user.pk).exists()
            or type(cohort.path).objects.filter(pk=cohort.path_id, trainers=user).exists())
