from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from crm.api.permissions import PolicyPermission
from crm.models import AuditEvent
from crm.security.audit_filters import AuditEventFilter


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "kind",
            "actor",
            "username",
            "address",
            "target_type",
            "target_id",
            "summary",
            "details",
            "created_at",
        ]
        read_only_fields = fields


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The security audit log, newest first; admins only (403 for every other role).

    Filters: `kind`, `actor` (user id), `since` and `until` (YYYY-MM-DD, inclusive)."""

    policy_resource = "audit"
    permission_classes = [IsAuthenticated, PolicyPermission]
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    search_fields = ["username", "summary", "target_id"]
    ordering_fields = ["created_at", "kind"]

    def get_queryset(self):
        return AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
