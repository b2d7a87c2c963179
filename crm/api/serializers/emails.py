from rest_framework import serializers

from crm.api.fields import VisiblePrimaryKeyRelatedField
from crm.models import Contact, Deal, EmailMessage, Ticket

from .base import PolicyModelSerializer


class EmailMessageSerializer(PolicyModelSerializer):
    """An email sent from a deal, contact or ticket, or a reply received to one.

    POST sends: name one record (`ticket`, else `deal`, else `contact`); it goes to the
    record's contact, with `{first_name}`-style placeholders filled in. A suppressed,
    opted-out or missing address is a 400 and nothing is sent.
    """

    contact = VisiblePrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False)
    deal = VisiblePrimaryKeyRelatedField(queryset=Deal.objects.all(), required=False)
    ticket = VisiblePrimaryKeyRelatedField(queryset=Ticket.objects.all(), required=False)

    class Meta:
        model = EmailMessage
        fields = [
            "id",
            "direction",
            "source",
            "contact",
            "deal",
            "ticket",
            "parent",
            "author",
            "from_address",
            "to_address",
            "subject",
            "body",
            "sent_at",
            "message_id",
        ]
        read_only_fields = [
            "direction",
            "source",
            "parent",
            "author",
            "from_address",
            "to_address",
            "sent_at",
            "message_id",
        ]
        extra_kwargs = {"subject": {"required": True, "allow_blank": False}}


class InboundEmailSerializer(serializers.Serializer):
    """What an inbound route posts, under the names Mailgun, Postmark and SendGrid use."""

    sender = serializers.CharField(max_length=1000)
    recipients = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    body = serializers.CharField(max_length=200000)
    in_reply_to = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    references = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    message_id = serializers.CharField(max_length=400, required=False, allow_blank=True)
