"""The application's clock for model field defaults."""

from django.utils import timezone


def now():
    """`timezone.now()`, looked up at each call. A field default naming `timezone.now` itself
    holds the function bound when the model was defined, so a clock patched on
    `django.utils.timezone` (the demo's, lms/demo/clock.py, writes the tiers-lieu's past
    through the services) would not reach it: enrolments dated the day of seeding."""
    return timezone.now()
