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


class NpsResponseSerializer(PolicyModelSerializer):
    # The model's choices are (10, 5); spelled out so the schema shows the two scales.
    scale = serializers.ChoiceField(choices=[10, 5], required=False)

    class Meta:
        model = NpsResponse
        fields = ["id", "contact", "score", "scale", "comment", "responded_at", "channel"]
        extra_kwargs = {"responded_at": {"required": False}}
