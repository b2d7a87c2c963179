"""One-to-one email with a contact, sent from a record or received in reply to one."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.limits import LimitedTextField, RangedDateTimeField

from .base import TimeStampedModel
from .contacts import Contact
from .sales import Deal
from .support import Ticket, TicketReply


def reply_token_new() -> str:
    """The per-message secret in Reply-To (`reply+<token>@…`) and the Message-ID."""
    return secrets.token_hex(12)


class EmailDirection(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")


class EmailSource(models.TextChoices):
    COMPOSED = "composed", _("Written in Goalpost")
    TICKET_REPLY = "ticket_reply", _("Ticket reply")
    INBOUND = "inbound", _("Received by the inbound address")
    MANUAL = "manual", _("Recorded by hand")


class EmailMessage(TimeStampedModel):
    direction = models.CharField(_("direction"), max_length=10, choices=EmailDirection.choices)
    source = models.CharField(_("source"), max_length=20, choices=EmailSource.choices)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="emails"
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    ticket_reply = models.OneToOneField(
        TicketReply,
        verbose_name=_("ticket reply"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email",
    )
    # The sent message a received one answers.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_address = models.CharField(
        pgettext_lazy("email address", "from"), max_length=320, blank=True
    )
    to_address = models.CharField(pgettext_lazy("email address", "to"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    sent_at = RangedDateTimeField(_("sent at"), db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=400, blank=True)
    reply_token = models.CharField(_("reply token"), max_length=40, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        constraints = [
            # A provider retrying a webhook delivers the same Message-ID again.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="crm_emailmessage_unique_message_id",
            ),
            models.UniqueConstraint(
                fields=["reply_token"],
                condition=~Q(reply_token=""),
                name="crm_emailmessage_unique_reply_token",
            ),
        ]
        indexes = [models.Index(fields=["contact", "-sent_at"], name="crm_email_contact_sent")]

    def __str__(self):
        return f"{self.get_direction_display()} · {self.subject}"

    @property
    def is_sent(self) -> bool:
        return self.direction == EmailDirection.SENT


class EmailTemplate(TimeStampedModel):
    """A reusable email with `{first_name}`-style placeholders; kept by admins and managers."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = LimitedTextField(_("body"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")

    def __str__(self):
        return self.name
