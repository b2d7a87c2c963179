from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api.fields import TagListField
from crm.models import Company, Contact, Interaction, NpsResponse, Referral

from .base import PolicyModelSerializer


class CompanySerializer(PolicyModelSerializer):
    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "phone",
            "address",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        create_only_fields = ["created_at"]
        extra_kwargs = {"created_at": {"required": False}}


class ContactSerializer(PolicyModelSerializer):
    tags = TagListField(required=False)

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "company",
            "owner",
            "lifecycle",
            "customer_since",
            "churned_at",
            "source",
            "referred_by",
            "tags",
            "opted_out",
            "birth_date",
            "occupation",
            "gender",
            "marital_status",
            "income_band",
            "education",
            "language",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        create_only_fields = ["created_at"]
        extra_kwargs = {"created_at": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        since = attrs.get("customer_since", getattr(self.instance, "customer_since", None))
        churned = attrs.get("churned_at", getattr(self.instance, "churned_at", None))
        if since and churned and churned < since:
            raise serializers.ValidationError(
                {"churned_at": [_("A customer cannot churn before becoming one.")]}
            )
        referred_by = attrs.get("referred_by")
        if self.instance is not None and referred_by is not None and referred_by == self.instance:
            raise serializers.ValidationError(
                {"referred_by": [_("A contact cannot refer themselves.")]}
            )
        return attrs


class InteractionSerializer(PolicyModelSerializer):
    class Meta:
        model = Interaction
        fields = ["id", "contact", "kind", "url", "details", "occurred_at"]
        extra_kwargs = {"occurred_at": {"required": False}}

    def validate_details(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Send an object of details."))
        return value


class ReferralSerializer(PolicyModelSerializer):
    class Meta:
        model = Referral
        fields = ["id", "referrer", "referred", "referred_on"]
        extra_kwargs = {"referred_on": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        referrer = attrs.get("referrer", getattr(self.instance, "referrer", None))
        referred = attrs.get("referred", getattr(self.instance, "referred", None))
        if referrer is not None and referrer == referred:
            raise serializers.ValidationError(
                {"referred": [_("A contact cannot refer themselves.")]}
            )
        return attrs


class NpsResponseSerializer(PolicyModelSerializer):
    # The model's choices are (10, 5); spelled out so the schema shows the two scales.
    scale = serializers.ChoiceField(choices=[10, 5], required=False)

    class Meta:
        model = NpsResponse
        fields = ["id", "contact", "score", "scale", "comment", "responded_at", "channel"]
        extra_kwargs = {"responded_at": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        default_scale = getattr(self.instance, "scale", None) or settings.GOALPOST_NPS_SCALE
        scale = attrs.get("scale", default_scale)
        score = attrs.get("score", getattr(self.instance, "score", None))
        low = 0 if scale == 10 else 1
        if score is not None and not low <= score <= scale:
            raise serializers.ValidationError(
                {
                    "score": [
                        _("On the %(low)s–%(high)s scale the score is between them.")
                        % {"low": low, "high": scale}
                    ]
                }
            )
        return attrs
