from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from crm.limits import LimitedTextField, RangedDateTimeField

from .contacts import Company, Contact


class TicketPriority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


UNRESOLVED_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING)

# The queue's order, most urgent first: the ticket list sorts by it and an index holds it
# (PostgreSQL uses an expression index only for the very same expression, so both take it
# from here).
PRIORITY_RANK = Case(
    When(priority=TicketPriority.URGENT, then=Value(0)),
    When(priority=TicketPriority.HIGH, then=Value(1)),
    When(priority=TicketPriority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


class TicketQuerySet(models.QuerySet):
    def unresolved(self) -> Self:
        return self.filter(status__in=UNRESOLVED_STATUSES)


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=200)
    description = LimitedTextField(_("description"), blank=True)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    # The customer's owner, copied by database triggers (crm migration
    # 0029_ticket_customer_owner) whenever the ticket's contact or that contact's owner
    # changes, by any path: a rep sees "the tickets of their own customers", and reading
    # them from this column's index keeps a rep's ticket list flat as tickets grow, where
    # joining the contacts read every ticket (4x at 200,000 tickets).
    customer_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    opened_at = RangedDateTimeField(_("opened at"), db_index=True)
    first_response_at = RangedDateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = RangedDateTimeField(_("resolved at"), null=True, blank=True, db_index=True)
    # Set from the priority's SlaTarget resolution hours when the ticket opens.
    sla_due_at = RangedDateTimeField(_("SLA due"), null=True, blank=True, db_index=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The queue (the ticket list's default: unresolved, by priority then SLA) reads
            # its first page from here instead of sorting every open ticket.
            models.Index(
                PRIORITY_RANK,
                F("sla_due_at"),
                F("id"),
                name="ticket_queue_order_idx",
                condition=Q(status__in=UNRESOLVED_STATUSES),
            ),
            # A rep's tickets (every status, the API's and lists' default order) and
            # their bounded count read the rep's entries only.
            models.Index(
                F("customer_owner"),
                F("opened_at").desc(),
                F("id").desc(),
                name="ticket_customer_owner_idx",
            ),
            # A rep's queue (unresolved tickets) counted from the rep's entries alone.
            models.Index(
                fields=["customer_owner"],
                name="ticket_unresolved_owner_idx",
                condition=Q(status__in=UNRESOLVED_STATUSES),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("opened_at")),
                name="ticket_resolved_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=F("opened_at")),
                name="ticket_response_after_opened",
            ),
        ]

    def __str__(self):
        return self.subject


class TicketReply(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = LimitedTextField(_("reply"))
    created_at = RangedDateTimeField(_("created at"))
    # The email that carries the reply to the customer: recorded with the reply, sent
    # after commit, stamped once (a second delivery attempt finds emailed_at set).
    emailed_to = models.EmailField(_("emailed to"), blank=True)
    emailed_at = RangedDateTimeField(_("emailed at"), null=True, blank=True)
    email_error = models.CharField(_("email not sent"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket reply")
        verbose_name_plural = _("ticket replies")

    def __str__(self):
        return f"{self.ticket} · {self.created_at:%Y-%m-%d %H:%M}"


class NpsResponse(models.Model):
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="nps_responses"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    scale = models.PositiveSmallIntegerField(
        _("scale"), choices=[(10, _("0–10")), (5, _("1–5"))], default=10
    )
    comment = LimitedTextField(_("comment"), blank=True)
    responded_at = RangedDateTimeField(_("responded at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=40, blank=True)

    class Meta:
        ordering = ["-responded_at", "-id"]
        verbose_name = _("NPS response")
        verbose_name_plural = _("NPS responses")
        constraints = [
            models.CheckConstraint(
                condition=Q(scale=10, score__gte=0, score__lte=10)
                | Q(scale=5, score__gte=1, score__lte=5),
                name="nps_score_within_scale",
            )
        ]

    def __str__(self):
        return f"{self.contact} · {self.score}/{self.scale}"
