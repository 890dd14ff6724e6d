"""Insertion staff follow only their programmes' trainees; confidential interview notes are
for those staff alone — not trainers, not managers outside the programme. The querysets are
the models' scopes (Programme.objects.visible_to, Trainee.objects.followed_by / in_care_of,
and the follow-up records' visible_to)."""


def follows_trainees(user) -> bool:
    """Insertion staff and managers: who records the follow-up and reads its figures."""
    return user.is_authenticated and (user.sees_everything or user.is_insertion_staff)


def can_create_programme(user) -> bool:
    """Managers, and insertion staff (who then staff the programme they create)."""
    return user.is_authenticated and user.is_active and (
        user.sees_everything or user.is_insertion_staff)


def can_edit_programme(user, programme) -> bool:
    """Managers change any programme and its staff; insertion staff the programmes they
    staff, except their staff and co-financing (services.programme_update)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.sees_everything:
        return True
    return user.is_insertion_staff and programme.staff.filter(pk=user.pk).exists()


def can_follow(user, trainee) -> bool:
    if not user.is_authenticated:
        return False
    if user.sees_everything:
        return True
    return user.is_insertion_staff and trainee.programme.staff.filter(pk=user.pk).exists()


def can_read_notes(user, trainee) -> bool:
    return (user.is_authenticated and user.is_insertion_staff
            and trainee.programme.staff.filter(pk=user.pk).exists())
