from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField


class EventReceipt(models.Model):
    """That this app already reacted to a domain event for one purpose.

    The outbox may deliver an event several times (retries, the redispatch sweep); the
    unique (event, purpose) key, written in the same transaction as the reaction, makes
    every delivery after the first a no-op.
    """

    event = models.ForeignKey(
        "crm.DomainEvent", verbose_name=_("event"), on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=40)
    created_at = RangedDateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("event receipt")
        verbose_name_plural = _("event receipts")
        constraints = [
            models.UniqueConstraint(fields=["event", "purpose"], name="event_receipt_once")
        ]

    def __str__(self):
        return f"{self.event_id} · {self.purpose}"
