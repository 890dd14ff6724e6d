from .models import AuditPack


def packs_listed():
    """Packs, latest first, with what their lines show (one query)."""
    return AuditPack.objects.select_related("cohort", "requested_by").order_by(
        "-requested_at", "-pk")
