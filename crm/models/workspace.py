"""Workspace settings admins keep in the app: lost reasons, SLA targets, the email sender."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from crm.limits import MAX_HOURS

from .support import TicketPriority

# The reasons a new workspace starts with (migration 0011 seeds them). Marked for
# translation: a seeded reason reads in each user's language until an admin renames it.
DEFAULT_LOST_REASONS = [
    gettext_noop("Price too high"),
    gettext_noop("Chose a competitor"),
    gettext_noop("No budget"),
    gettext_noop("No decision"),
    gettext_noop("Bad timing"),
    gettext_noop("Missing feature"),
]


class LostReason(models.Model):
    """A reason offered when a deal is marked lost (deals keep the text, not a link)."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self):
        return self.name


class SlaTarget(models.Model):
    """How soon a ticket of one priority is answered and resolved."""

    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices, unique=True
    )
    first_response_hours = models.PositiveIntegerField(
        _("first response within (hours)"), validators=[MaxValueValidator(MAX_HOURS)]
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolved within (hours)"), validators=[MaxValueValidator(MAX_HOURS)]
    )

    class Meta:
        ordering = ["resolution_hours", "priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_hours__gte=1) & Q(resolution_hours__gte=1),
                name="sla_target_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(first_response_hours__lte=F("resolution_hours")),
                name="sla_target_response_before_resolution",
            ),
        ]

    def __str__(self):
        return self.get_priority_display()


class EmailSender(models.Model):
    """The From of outgoing email; one row (pk 1). Empty fields fall back to settings."""

    from_name = models.CharField(_("sender name"), max_length=120, blank=True)
    from_address = models.EmailField(_("sender address"), blank=True)

    class Meta:
        verbose_name = _("email sender")
        verbose_name_plural = _("email sender")

    def __str__(self):
        return self.from_address or settings.DEFAULT_FROM_EMAIL
