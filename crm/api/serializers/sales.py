from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api.fields import VisiblePrimaryKeyRelatedField
from crm.api.serializers.base import IdModelSerializer
from crm.limits import date_in_range
from crm.models import (
    Activity,
    Deal,
    DealKind,
    DealStatus,
    Lead,
    Pipeline,
    Stage,
    StageChange,
)

from .base import PolicyModelSerializer

CURRENCY_FIELD: dict[str, Any] = {
    "required": False,
    "min_length": 3,
    "max_length": 3,
    "help_text": _("ISO 4217 code, e.g. USD; the configured default when omitted."),
}


def _validate_currency(value: str) -> str:
    if not (len(value) == 3 and value.isascii() and value.isalpha()):
        raise serializers.ValidationError(_("Use a three-letter ISO 4217 code such as USD."))
    return value.upper()


class LeadSerializer(PolicyModelSerializer):
    class Meta:
        model = Lead
        fields = [
            "id",
            "contact",
            "source",
            "campaign",
            "status",
            "score",
            "owner",
            "handed_off_at",
            "converted_at",
            "deal",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["converted_at", "deal", "updated_at"]
        create_only_fields = ["created_at", "contact"]
        extra_kwargs = {"created_at": {"required": False}}


# Inline in the schema: a second component using the deal-kind enum would make
# drf-spectacular fall back to a hashed enum name for every `kind` field.
@extend_schema_field({"type": "string", "enum": DealKind.values})
class DealKindField(serializers.ChoiceField):
    pass


class LeadConvertSerializer(serializers.Serializer):
    """Either link an existing deal, or describe the deal to open (all optional)."""

    deal = VisiblePrimaryKeyRelatedField(
        queryset=Deal.objects.all(), required=False, resource="deals"
    )
    title = serializers.CharField(max_length=200, required=False)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = serializers.CharField(**CURRENCY_FIELD)
    pipeline = VisiblePrimaryKeyRelatedField(queryset=Pipeline.objects.all(), required=False)
    stage = VisiblePrimaryKeyRelatedField(queryset=Stage.objects.all(), required=False)
    kind = DealKindField(choices=DealKind.choices, required=False)
    expected_close_date = serializers.DateField(
        validators=[date_in_range], required=False, allow_null=True
    )
    converted_at = serializers.DateTimeField(validators=[date_in_range], required=False)

    def validate_currency(self, value):
        return _validate_currency(value)

    def validate(self, attrs):
        if "deal" in attrs and len(attrs) > 1 + ("converted_at" in attrs):
            raise serializers.ValidationError(
                {"deal": [_("Link an existing deal or describe a new one, not both.")]}
            )
        return attrs


class StageSerializer(PolicyModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "pipeline", "name", "position", "win_probability", "rotting_days"]
        create_only_fields = ["pipeline"]
        extra_kwargs = {"position": {"required": False}}


class PipelineStageSerializer(IdModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "position", "win_probability", "rotting_days"]


class PipelineSerializer(PolicyModelSerializer):
    stages = PipelineStageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "stages"]


class DealSerializer(PolicyModelSerializer):
    status = serializers.ChoiceField(choices=DealStatus.choices, required=False)
    lost_reason = serializers.CharField(max_length=255, required=False, allow_blank=True)
    closed_at = serializers.DateTimeField(
        validators=[date_in_range], required=False, allow_null=True
    )

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "value",
            "currency",
            "pipeline",
            "stage",
            "owner",
            "contact",
            "company",
            "status",
            "lost_reason",
            "kind",
            "expected_close_date",
            "forecast_category",
            "created_at",
            "closed_at",
            "stage_entered_at",
            "position",
            "updated_at",
        ]
        read_only_fields = ["stage_entered_at", "position", "updated_at"]
        create_only_fields = ["created_at"]
        extra_kwargs = {
            "created_at": {"required": False},
            "currency": CURRENCY_FIELD,
            "pipeline": {"required": False},
            "stage": {"required": False},
        }

    def validate_currency(self, value):
        return _validate_currency(value)

    # Only shapes here (types, formats, choices). What a status change requires, where a
    # stage may be, who may own the deal and when it may close are the services' rules
    # (crm.services.deals), so the browser, the importer and automation meet them too.


class StageChangeSerializer(IdModelSerializer):
    stage_name = serializers.CharField(source="stage.name", read_only=True)

    class Meta:
        model = StageChange
        fields = ["id", "stage", "stage_name", "entered_at", "left_at", "actor"]


class ActivitySerializer(PolicyModelSerializer):
    done = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "notes",
            "outcome",
            "due_at",
            "done_at",
            "done",
            "assignee",
            "deal",
            "lead",
            "contact",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        create_only_fields = ["created_at"]
        extra_kwargs = {"created_at": {"required": False}}

    def get_done(self, activity) -> bool:
        return activity.done_at is not None
