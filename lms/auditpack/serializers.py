"""Serializers of the audit packs API (lms.auditpack.api)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from lms.cohorts.models import Cohort
from lms.quality.selectors import YEAR_MAX, YEAR_MIN

from .enums import PackStatus
from .models import AuditPack


class AuditPackSerializer(serializers.ModelSerializer):
    zip_url = serializers.SerializerMethodField(
        help_text="Where to download the ZIP once the pack is ready; null before.")
    gaps = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), read_only=True,
        help_text="Indicators listed in the pack without evidence (numbers).")

    class Meta:
        model = AuditPack
        fields = ["id", "cohort", "year", "status", "progress", "step", "requested_at",
                  "finished_at", "size", "sha256", "gaps", "error", "zip_url"]
        read_only_fields = fields

    def get_zip_url(self, pack) -> str | None:
        if pack.status != PackStatus.READY:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("audit-pack-zip", args=[pack.pk]))


class AuditPackRequestSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(required=False, min_value=1,
                                      help_text="The group whose pack is made…")
    year = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX,
                                    help_text="…or the calendar year (every group that ran "
                                              "during it, and the year's BPF figures).")

    def validate_cohort(self, value):
        cohort = Cohort.objects.filter(pk=value).first()
        if cohort is None:
            raise serializers.ValidationError(_("Unknown group."))
        return cohort

    def validate(self, data):
        if ("cohort" in data) == ("year" in data):
            raise serializers.ValidationError(
                {"cohort": [_("Choose a group or a year, not both.")]})
        return data
