from rest_framework import serializers

from crm.models import LostReason, SlaTarget

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
