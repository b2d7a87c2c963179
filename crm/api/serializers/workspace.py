from django.conf import settings
from rest_framework import serializers

from crm.api.fields import IntegerPrimaryKeyRelatedField
from crm.models import LostReason, Role, SlaTarget, Team

from .base import PolicyModelSerializer


class LostReasonSerializer(PolicyModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "position"]
        extra_kwargs = {"position": {"required": False}}


class SlaTargetSerializer(PolicyModelSerializer):
    class Meta:
        model = SlaTarget
        fields = ["id", "priority", "first_response_hours", "resolution_hours"]
        read_only_fields = ["priority"]


class StageOrderSerializer(serializers.Serializer):
    stages = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Every stage id of the pipeline, once, in the new order.",
    )


class UserDeactivateSerializer(serializers.Serializer):
    reassign_to = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The active user who takes over open deals, leads, activities and tickets.",
    )


class UserInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    team = IntegerPrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=[("", ""), *settings.LANGUAGES], required=False, allow_blank=True
    )
