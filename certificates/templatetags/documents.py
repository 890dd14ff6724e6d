import base64
import datetime

from django import template

register = template.Library()


@register.filter
def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() if svg else ""


@register.filter
def iso_date(value: str):
    return datetime.date.fromisoformat(value) if value else None


@register.filter
def hours(value: str | None) -> str:
    """'12.50' → '12,5 h' in French style; empty when unknown."""
    if value in (None, ""):
        return ""
    number = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return number.replace(".", ",") + " h"


@register.filter
def hours_or_zero(value: str | None) -> str:
    """Realised hours as printed: none is 0 h, never blank nor a planned figure."""
    return hours(value) or "0 h"


@register.filter
def hours_words(value: str | None) -> str:
    """'12.50' → '12,5 heures' (the model's wording); none is 0 heure."""
    number = (hours(value) or "0 h")[:-2]
    return number + (" heures" if float(number.replace(",", ".")) >= 2 else " heure")


@register.inclusion_tag("certificates/includes/learner_documents.html")
def learner_documents(user):
    from certificates.models import Document

    documents = (Document.objects.filter(learner=user).issued().current()
                 .select_related("path").order_by("-issued_at"))
    return {"documents": documents}
