from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import filters, selectors
from crm.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from crm.api.serializers import TicketReplySerializer, TicketSerializer
from crm.services import support as support_services

from .base import PolicyViewSet
from .bulk import BulkActionMixin


class TicketViewSet(BulkActionMixin, PolicyViewSet):
    """The support queue. Reaching `resolved` stamps `resolved_at`; POST …/reply/ answers."""

    policy_resource = "tickets"
    selector = selectors.ticket_list
    serializer_class = TicketSerializer
    filterset_class = filters.TicketFilter
    search_fields = ["subject", "description"]
    ordering_fields = ["opened_at", "resolved_at", "sla_due_at", "priority"]

    def create_record(self, *, actor, data):
        return support_services.ticket_open(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return support_services.ticket_update(ticket=instance, actor=actor, data=data)

    @extend_schema(
        request=TicketReplySerializer,
        responses={201: TicketReplySerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Reply to the customer; the first reply stamps `first_response_at`.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reply(self, request, pk=None):
        ticket = self.get_object()
        serializer = TicketReplySerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        reply = support_services.ticket_respond(
            ticket=ticket,
            actor=request.user,
            body=serializer.validated_data["body"],
            at=serializer.validated_data.get("created_at"),
        )
        return Response(TicketReplySerializer(reply).data, status=status.HTTP_201_CREATED)
