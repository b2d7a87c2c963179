"""Lost reasons and SLA targets: read by everyone, changed by admins (crm/policies.py)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from crm import policies
from crm.api.permissions import PolicyPermission
from crm.api.serializers.workspace import LostReasonSerializer, SlaTargetSerializer
from crm.models import LostReason, SlaTarget
from crm.services import workspace as workspace_services

from .base import PolicyViewSet


class LostReasonViewSet(PolicyViewSet):
    """Reasons offered when a deal is marked lost. Deals keep the text they were given,
    so renaming or deleting a reason does not change closed deals."""

    policy_resource = "lost_reasons"
    serializer_class = LostReasonSerializer
    ordering_fields = ["position", "name"]
    search_fields = ["name"]

    def get_queryset(self):
        return policies.scope(self.request.user, "lost_reasons", LostReason.objects.all())

    def create_record(self, *, actor, data):
        reason = workspace_services.lost_reason_create(actor=actor, name=data["name"])
        if "position" in data:
            reason = workspace_services.lost_reason_update(
                reason=reason, actor=actor, data={"position": data["position"]}
            )
        return reason

    def update_record(self, instance, *, actor, data):
        return workspace_services.lost_reason_update(reason=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        workspace_services.lost_reason_delete(reason=instance, actor=actor)


@extend_schema_view(
    list=extend_schema(description="The first response and resolution hours per priority."),
    partial_update=extend_schema(
        description="Change a priority's hours; tickets opened afterwards get the new due time."
    ),
)
class SlaTargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """One row per ticket priority (seeded): list and change, never create or delete."""

    policy_resource = "sla_targets"
    serializer_class = SlaTargetSerializer
    permission_classes = [IsAuthenticated, PolicyPermission]
    pagination_class = None

    def get_queryset(self):
        return policies.scope(self.request.user, "sla_targets", SlaTarget.objects.all())

    def perform_update(self, serializer):
        target = serializer.instance
        data = serializer.validated_data
        serializer.instance = workspace_services.sla_target_set(
            actor=self.request.user,
            priority=target.priority,
            first_response_hours=data.get("first_response_hours", target.first_response_hours),
            resolution_hours=data.get("resolution_hours", target.resolution_hours),
        )
