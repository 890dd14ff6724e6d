"""Labels stored in the database in French (attendance statuses, audiences) shown in the
visitor's language. The rows the project creates carry a known French label: while it is
unchanged, its translation is shown (English source string, French translation identical to
the stored label); a label an administrator rewrote is shown as written."""

from django.utils.translation import pgettext_lazy

# code → (the label the project stores, the same label through gettext)
STATUS_LABELS = {
    "present": ("Présent·e", pgettext_lazy("attendance status", "Present")),
    "late": ("En retard", pgettext_lazy("attendance status", "Late")),
    "excused": ("Excusé·e", pgettext_lazy("attendance status", "Excused")),
    "absent": ("Absent·e", pgettext_lazy("attendance status", "Absent")),
}
AUDIENCE_NAMES = {
    "seniors": ("Seniors", pgettext_lazy("audience", "Seniors")),
    "demandeurs-emploi": ("Demandeurs et demandeuses d’emploi",
        pgettext_lazy("audience", "Job seekers")),
    "jeunes": ("Jeunes 16–25 ans", pgettext_lazy("audience", "Young people aged 16–25")),
    "salaries-insertion": ("Salariés en insertion",
        pgettext_lazy("audience", "Employees in work integration")),
    "tout-public": ("Tout public", pgettext_lazy("audience", "Everyone")),
    "makers": ("Makers et bidouilleurs", pgettext_lazy("audience", "Makers and tinkerers")),
    "independants": ("Indépendants et associations",
        pgettext_lazy("audience", "Freelancers and associations")),
}


def translated(known: dict, key: str, stored: str) -> str:
    default = known.get(key)
    if default and stored == default[0]:
        return str(default[1])
    return stored
