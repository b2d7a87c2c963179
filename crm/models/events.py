from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField


class DomainEventKind(models.TextChoices):
    DEAL_CREATED = "deal.created", _("Deal created")
    DEAL_VALUE_CHANGED = "deal.value_changed", _("Deal value changed")
    DEAL_STAGE_CHANGED = "deal.stage_changed", _("Deal stage changed")
    DEAL_WON = "deal.won", _("Deal won")
    DEAL_LOST = "deal.lost", _("Deal lost")
    LEAD_CREATED = "lead.created", _("Lead created")
    LEAD_SCORE_CHANGED = "lead.score_changed", _("Lead score changed")
    CONTACT_CREATED = "contact.created", _("Contact created")
    CONTACT_TAGGED = "contact.tagged", _("Contact tagged")
    PURCHASE_RECORDED = "purchase.recorded", _("Purchase recorded")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")
    INTERACTION_RECORDED = "interaction.recorded", _("Interaction recorded")
    RENEWAL_DUE = "subscription.renewal_due", _("Renewal due")
    CUSTOMER_ANNIVERSARY = "contact.anniversary", _("Customer anniversary")


class DomainEvent(models.Model):
    """Outbox row written in the same transaction as the change it describes.

    Its id is handed to the configured Celery tasks after commit. Each handler records its
    own processing (`DomainEventReceipt`); a periodic sweep hands the event over again to
    each handler that has not, so a broker outage at commit or a failing handler loses
    nothing. `processed_at` is the sweep's closing mark: set once every handler that reacts
    to the event's kind holds a receipt (or none does), after which the sweep no longer
    looks at it; an event closed before receipts existed counts as done for every handler.
    """

    kind = models.CharField(_("kind"), max_length=40, choices=DomainEventKind.choices)
    # The model and primary key the event is about, e.g. ("deal", 42).
    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.BigIntegerField(_("subject id"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    occurred_at = RangedDateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    processed_at = RangedDateTimeField(_("processed at"), null=True, blank=True)
    # Imports can record events for history without running automation on them.
    automate = models.BooleanField(_("run automation"), default=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            # The sweep reads only open events, oldest first: a partial index keeps that
            # scan to the events still in flight, however many millions are closed.
            models.Index(
                fields=["occurred_at", "id"],
                name="domainevent_open_idx",
                condition=models.Q(processed_at__isnull=True, automate=True),
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.subject_id}"


class DomainEventReceipt(models.Model):
    """That one handler task has processed one domain event.

    Written by the handler in the same transaction as its effect, so a retry or a
    redelivery of a handled (event, handler) pair finds it and does nothing, and the
    outbox sweep hands the event again only to the handlers without one. `handler` is the
    Celery task name from GOALPOST_DOMAIN_EVENT_HANDLERS: crm knows handlers by name only.
    """

    # No index of its own: the unique (event, handler) index leads with the event.
    event = models.ForeignKey(
        DomainEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="receipts",
        db_index=False,
    )
    handler = models.CharField(_("handler"), max_length=200)
    processed_at = RangedDateTimeField(_("processed at"), default=timezone.now)

    class Meta:
        ordering = ["event_id", "handler"]
        verbose_name = _("domain event receipt")
        verbose_name_plural = _("domain event receipts")
        # Also the index of the sweep's "no receipt of handler X for this event" probe.
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="domain_event_receipt_once")
        ]

    def __str__(self):
        return f"{self.event_id} · {self.handler}"


class Notification(models.Model):
    """An in-app notice for one user (goal off track, automation 'notify user', …)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    message = models.CharField(_("message"), max_length=500)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = RangedDateTimeField(_("created at"), default=timezone.now)
    read_at = RangedDateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.message
