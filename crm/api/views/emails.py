"""Email from records over the API, and the inbound webhook that records replies.

Replies come in through a provider's inbound route (Mailgun Routes, Postmark inbound,
SendGrid Inbound Parse) rather than an IMAP poll: no mailbox password is stored, a reply
is recorded the moment it arrives, and the endpoint is a plain POST that tests can drive.
"""

import hmac
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from crm import selectors
from crm.api.serializers.emails import EmailMessageSerializer, InboundEmailSerializer
from crm.filters import EmailMessageFilter
from crm.services import emails as email_services

from .base import PolicyViewSet


class EmailMessageViewSet(PolicyViewSet):
    """Emails of the records the user may see (`?contact=&deal=&ticket=&direction=`);
    POST sends one. Sent email is history: it is neither edited nor deleted."""

    policy_resource = "emails"
    selector = selectors.email_list
    serializer_class = EmailMessageSerializer
    filterset_class = EmailMessageFilter
    search_fields = ["subject", "body"]
    ordering_fields = ["sent_at"]
    http_method_names = ["get", "post", "head", "options"]

    def create_record(self, *, actor, data):
        return email_services.email_send(
            actor=actor,
            subject=data.get("subject", ""),
            body=data.get("body", ""),
            contact=data.get("contact"),
            deal=data.get("deal"),
            ticket=data.get("ticket"),
        )


# Field names providers post, mapped onto ours (first present wins).
INBOUND_ALIASES = {
    "sender": ("sender", "from", "From", "FromFull"),
    "recipients": ("recipients", "recipient", "to", "To", "OriginalRecipient", "Cc", "cc"),
    "subject": ("subject", "Subject"),
    "body": ("body", "stripped-text", "body-plain", "TextBody", "text", "StrippedTextReply"),
    "in_reply_to": ("in_reply_to", "In-Reply-To"),
    "references": ("references", "References"),
    "message_id": ("message_id", "Message-Id", "Message-ID", "MessageID"),
}


def _flatten(value) -> str:
    if isinstance(value, dict):  # Postmark's FromFull: {"Email": …, "Name": …}
        return str(value.get("Email", ""))
    if isinstance(value, list):
        return ", ".join(_flatten(v) for v in value)
    return value if isinstance(value, str) else ""


def _inbound_fields(data) -> dict:
    fields: dict[str, Any] = {}
    headers = {}
    # Postmark lists headers as [{"Name": …, "Value": …}].
    raw_headers = data.get("Headers") if hasattr(data, "get") else None
    if isinstance(raw_headers, list):
        for header in raw_headers:
            if isinstance(header, dict):
                headers[str(header.get("Name", ""))] = _flatten(header.get("Value", ""))
    for ours, names in INBOUND_ALIASES.items():
        for name in names:
            value = _flatten(data.get(name)) if name in data else headers.get(name, "")
            if value:
                fields[ours] = (
                    f"{fields[ours]}, {value}" if ours == "recipients" and ours in fields else value
                )
                if ours != "recipients":
                    break
    return fields


def _secret_ok(request) -> bool:
    secret = settings.GOALPOST_INBOUND_EMAIL_SECRET
    if not secret:
        return False
    given = request.headers.get("X-Goalpost-Inbound-Secret", "")
    if not given:
        import base64

        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(auth[6:], validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return False
            given = decoded.partition(":")[2]
    return bool(given) and hmac.compare_digest(given.encode(), secret.encode())


class InboundEmailView(APIView):
    """`POST /api/emails/inbound/`: a provider's inbound route delivers a reply.

    Authenticated by the shared secret `GOALPOST_INBOUND_EMAIL_SECRET`, sent as the
    `X-Goalpost-Inbound-Secret` header or the basic-auth password in the route's URL;
    no secret configured, or a wrong one, is a 403. The reply is matched to our email by
    the token in `reply+<token>@…`, then by In-Reply-To/References, then by the sender's
    address. 201 when recorded, 202 when it answers nothing of ours (so the provider
    does not retry), 400 when a field is missing.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    throttle_classes = []

    @extend_schema(
        request=InboundEmailSerializer,
        responses={
            201: EmailMessageSerializer,
            202: inline_serializer("InboundUnmatched", {"matched": serializers.BooleanField()}),
            400: OpenApiResponse(description="A required field is missing or malformed."),
            403: OpenApiResponse(description="Missing or wrong inbound secret."),
        },
        auth=[],
    )
    def post(self, request):
        if not _secret_ok(request):
            return Response({"detail": "Forbidden."}, status=status.HTTP_403_FORBIDDEN)
        data = request.data if hasattr(request.data, "get") else {}
        serializer = InboundEmailSerializer(data=_inbound_fields(data))
        serializer.is_valid(raise_exception=True)
        message = email_services.email_inbound_receive(
            sender=serializer.validated_data["sender"],
            recipients=email_services.inbound_recipients(
                serializer.validated_data.get("recipients", "")
            ),
            subject=serializer.validated_data.get("subject", ""),
            body=serializer.validated_data["body"],
            in_reply_to=serializer.validated_data.get("in_reply_to", ""),
            references=serializer.validated_data.get("references", ""),
            message_id=serializer.validated_data.get("message_id", ""),
        )
        if message is None:
            return Response({"matched": False}, status=status.HTTP_202_ACCEPTED)
        return Response(EmailMessageSerializer(message).data, status=status.HTTP_201_CREATED)
