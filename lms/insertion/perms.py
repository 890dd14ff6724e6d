"""Insertion staff follow only their programmes' trainees; confidential interview notes are
for those staff alone — not trainers, not managers outside the programme."""


def can_follow(user, trainee) -> bool:
    if not user.is_authenticated:
        return False
    if user.sees_everything:
        return True
    return user.is_insertion_staff and trainee.programme.staff.filter(pk=user.pk).exists()


def can_read_notes(user, trainee) -> bool:
    return (user.is_authenticated and user.is_insertion_staff
            and trainee.programme.staff.filter(pk=user.pk).exists())
