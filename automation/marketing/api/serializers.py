from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from automation.marketing.models import (
    CampaignPlan,
    CampaignStep,
    DiscountCode,
    DiscountReason,
    EmailSend,
    NpsSurvey,
    ScoringModel,
    ScoringRule,
    Segment,
    StepVariant,
    VariantLanguage,
    WaitUnit,
)
from automation.marketing.rendering import check_template
from crm.api.fields import IntegerPrimaryKeyRelatedField
from crm.api.serializers.base import IdModelSerializer
from crm.models import Campaign, Contact

MAX_BODY = 20000


class LanguageVersionSerializer(IdModelSerializer):
    """A variant's email in one language; contacts who prefer that language get it."""

    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=MAX_BODY)

    class Meta:
        model = VariantLanguage
        fields = ["language", "subject", "body", "updated_at"]
        read_only_fields = ["updated_at"]

    def _template(self, value: str, field: str) -> str:
        try:
            check_template(value, field=field)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict[field]) from None
        return value

    def validate_subject(self, value):
        return self._template(value, "subject")

    def validate_body(self, value):
        return self._template(value, "body")

    def validate(self, attrs):
        # A PATCH makes nested fields optional; a version is always given whole.
        missing = [name for name in ("language", "subject", "body") if name not in attrs]
        if missing:
            raise serializers.ValidationError(
                {name: _("This field is required.") for name in missing}
            )
        return attrs


class LanguageVersionsField(serializers.ListField):
    """A list of language versions (the services allow at most one per language)."""

    child = LanguageVersionSerializer()

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", len(settings.LANGUAGES))
        super().__init__(**kwargs)

    def to_representation(self, data):
        return super().to_representation(data.all() if hasattr(data, "all") else data)


class VariantSerializer(IdModelSerializer):
    step = IntegerPrimaryKeyRelatedField(queryset=CampaignStep.objects.all())
    # A declared field: SerializerMetaclass moves it out of the class, so DRF's Field.label
    # is not shadowed at runtime.
    label = serializers.CharField(max_length=10, required=False, allow_blank=True)  # type: ignore[assignment]
    languages = LanguageVersionsField(
        required=False,
        help_text=_(
            "The email in other languages, one version per language. On update, the list "
            "replaces the variant's versions (an empty list removes them all)."
        ),
    )

    class Meta:
        model = StepVariant
        fields = [
            "id",
            "step",
            "label",
            "subject",
            "body",
            "languages",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # labels are given out and checked by the service


class NestedVariantSerializer(IdModelSerializer):
    languages = LanguageVersionSerializer(many=True, read_only=True)

    class Meta:
        model = StepVariant
        fields = ["id", "label", "subject", "body", "languages"]


class StepSerializer(IdModelSerializer):
    """A step's shape; what a step of each kind needs is step_create's and step_update's rule."""

    campaign = IntegerPrimaryKeyRelatedField(queryset=Campaign.objects.all())
    position = serializers.IntegerField(min_value=1, required=False)
    wait_amount = serializers.IntegerField(
        min_value=1, max_value=3650, required=False, allow_null=True
    )
    wait_unit = serializers.ChoiceField(choices=WaitUnit.choices, required=False, allow_blank=True)
    variants = NestedVariantSerializer(many=True, read_only=True)
    subject = serializers.CharField(
        write_only=True,
        required=False,
        max_length=300,
        help_text=_("Email steps: variant A's subject."),
    )
    body = serializers.CharField(
        write_only=True, required=False, help_text=_("Email steps: variant A's body (a template).")
    )
    languages = LanguageVersionsField(
        write_only=True,
        required=False,
        help_text=_(
            "Email steps: variant A's versions in other languages. On update, the list "
            "replaces them (an empty list removes them all); each variant's versions are "
            "shown under variants."
        ),
    )

    class Meta:
        model = CampaignStep
        fields = [
            "id",
            "campaign",
            "position",
            "kind",
            "wait_amount",
            "wait_unit",
            "variants",
            "subject",
            "body",
            "languages",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # positions are kept 1..n by the service


class CampaignPlanSerializer(IdModelSerializer):
    audience = IntegerPrimaryKeyRelatedField(
        queryset=Segment.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = CampaignPlan
        fields = ["campaign", "welcome_series", "audience", "updated_at"]
        read_only_fields = ["campaign", "updated_at"]


class SegmentSerializer(IdModelSerializer):
    conditions = serializers.JSONField(
        required=False,
        help_text=_(
            '[{"field": "tag", "operator": "has", "value": "vip"}]; see /api/segments/fields/.'
        ),
    )

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "match",
            "conditions",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]


class SegmentPreviewSerializer(serializers.Serializer):
    match = serializers.ChoiceField(choices=["all", "any"], default="all")
    # DRF calls a callable default; the stubs expect a mapping for a JSONField.
    conditions = serializers.JSONField(default=list)  # type: ignore[arg-type]


class SegmentEnrollSerializer(serializers.Serializer):
    campaign = IntegerPrimaryKeyRelatedField(queryset=Campaign.objects.all())


class ScoringModelSerializer(IdModelSerializer):
    class Meta:
        model = ScoringModel
        fields = [
            "threshold",
            "half_life_days",
            "lookback_days",
            "max_score",
            "handoff_team",
            "followup_due_hours",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"lookback_days": {"min_value": 1, "max_value": 730}}


class ScoringRuleSerializer(IdModelSerializer):
    class Meta:
        model = ScoringRule
        fields = ["id", "kind", "field", "value", "points", "cap", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"points": {"min_value": -1000, "max_value": 1000}}


class EmailSendSerializer(IdModelSerializer):
    class Meta:
        model = EmailSend
        fields = [
            "id",
            "kind",
            "contact",
            "enrollment",
            "campaign",
            "step",
            "variant",
            "variant_label",
            "language",
            "to",
            "subject",
            "body_text",
            "created_at",
            "sent_at",
            "opened_at",
            "clicked_at",
            "replied_at",
            "converted_at",
        ]
        read_only_fields = fields


class DiscountCodeSerializer(IdModelSerializer):
    contact = IntegerPrimaryKeyRelatedField(queryset=Contact.objects.all())
    valid_days = serializers.IntegerField(min_value=1, max_value=365, default=30, write_only=True)
    reason = serializers.ChoiceField(choices=DiscountReason.choices, default=DiscountReason.MANUAL)
    key = serializers.CharField(
        max_length=100,
        required=False,
        help_text=_("The occasion, e.g. anniversary:2025; asking twice returns the same code."),
    )

    class Meta:
        model = DiscountCode
        fields = [
            "id",
            "code",
            "contact",
            "reason",
            "key",
            "percent_off",
            "valid_days",
            "expires_on",
            "created_at",
            "redeemed_at",
        ]
        read_only_fields = ["code", "expires_on", "created_at", "redeemed_at"]
        validators: list[Any] = []  # asking again for the same occasion returns the same code
        extra_kwargs = {"percent_off": {"min_value": 1, "max_value": 100}}


class NpsSurveySerializer(IdModelSerializer):
    contact = IntegerPrimaryKeyRelatedField(queryset=Contact.objects.all())
    valid_days = serializers.IntegerField(min_value=1, max_value=365, default=14, write_only=True)
    scale = serializers.ChoiceField(choices=[10, 5], default=10)

    class Meta:
        model = NpsSurvey
        fields = [
            "id",
            "contact",
            "scale",
            "valid_days",
            "created_at",
            "expires_at",
            "responded_at",
            "response",
        ]
        read_only_fields = ["created_at", "expires_at", "responded_at", "response"]
