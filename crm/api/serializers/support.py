from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api.serializers.base import IdModelSerializer
from crm.limits import date_in_range
from crm.models import Ticket, TicketReply, TicketStatus

from .base import PolicyModelSerializer

CLOSED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class TicketSerializer(PolicyModelSerializer):
    class Meta:
        model = Ticket
        fields = [
            "id",
            "subject",
            "description",
            "contact",
            "company",
            "priority",
            "status",
            "assignee",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "sla_due_at",
        ]
        read_only_fields = ["sla_due_at"]
        extra_kwargs = {"opened_at": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        current = self.instance
        if current is None and attrs.get("resolved_at") and "status" not in attrs:
            # A migrated ticket with a resolution time is a resolved ticket.
            attrs["status"] = TicketStatus.RESOLVED
        status = attrs.get("status", getattr(current, "status", TicketStatus.OPEN))
        resolved_at = attrs.get("resolved_at")
        if resolved_at and status not in CLOSED_STATUSES:
            raise serializers.ValidationError(
                {"resolved_at": [_("Only a resolved or closed ticket has a resolution time.")]}
            )
        opened_at = attrs.get("opened_at", getattr(current, "opened_at", None))
        if opened_at is not None:
            for name in ("resolved_at", "first_response_at"):
                moment = attrs.get(name)
                if moment is not None and moment < opened_at:
                    raise serializers.ValidationError(
                        {name: [_("This cannot be before the ticket was opened.")]}
                    )
        return attrs


class TicketReplySerializer(IdModelSerializer):
    created_at = serializers.DateTimeField(
        validators=[date_in_range],
        required=False,
        help_text=_("When the reply was sent; now when omitted."),
    )

    class Meta:
        model = TicketReply
        fields = [
            "id",
            "ticket",
            "author",
            "body",
            "created_at",
            "emailed_to",
            "emailed_at",
            "email_error",
        ]
        read_only_fields = ["ticket", "author", "emailed_to", "emailed_at", "email_error"]

    def validate_created_at(self, value):
        ticket = self.context.get("ticket")
        if ticket is not None and value < ticket.opened_at:
            raise serializers.ValidationError(_("This cannot be before the ticket was opened."))
        return value
