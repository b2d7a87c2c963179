from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api.serializers.base import IdModelSerializer
from crm.limits import date_in_range
from crm.models import Ticket, TicketReply

from .base import PolicyModelSerializer


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
