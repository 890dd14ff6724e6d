"""What every form page shares."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error, *, field: str | None = None, fallback: str = "") -> None:
    """A service's ValidationError or PermissionDenied shown on the form: each error on the
    field it names when the form has that field, otherwise on `field` (None: above the form).
    A refusal without a message shows `fallback`. Error codes are kept (form.has_error)."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(field, error)
        return
    form.add_error(field, str(error) or fallback)
