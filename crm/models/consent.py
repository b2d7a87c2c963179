"""Consent belongs to the email address, not to a contact row.

An unsubscribe, bounce or complaint puts the address (normalized: trimmed, lower case) on
the suppression list; every email to a contact's address goes through
`crm.services.outbound_email.outbound_email_send`, which refuses a suppressed address.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField


def email_normalize(address: str | None) -> str:
    """The form addresses are compared in: trimmed and case-folded (X@Ex.com == x@ex.com)."""
    return (address or "").strip().lower()


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
    BOUNCE = "bounce", _("Bounced")
    COMPLAINT = "complaint", _("Complaint (marked as spam)")
    MANUAL = "manual", _("Added by hand")


class SuppressedAddress(models.Model):
    email = models.EmailField(_("email address"), unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The contact whose email or action suppressed it (kept for the record; the
    # suppression applies to every contact with this address, present and future).
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = RangedDateTimeField(_("suppressed at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self):
        return f"{self.email} ({self.get_reason_display()})"

    def clean(self):
        self.email = email_normalize(self.email)
