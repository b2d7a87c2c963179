"""Tickets: one FilterSet for the API, the ticket queue and the exports."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from crm.models import Ticket, TicketPriority, TicketStatus

from .base import Checkbox, IdFilter, PickFilter, WordsFilter, choice, date_range, support_assignees


class TicketFilter(filters.FilterSet):
    q = WordsFilter("subject", "description", "contact__first_name", "contact__last_name")
    status = choice(TicketStatus.choices, _("Status"))
    priority = choice(TicketPriority.choices, _("Priority"))
    assignee = PickFilter(label=_("Assignee"), queryset=support_assignees)
    # The queue's checkbox: unresolved tickets past their SLA; unticked, no filter.
    breached = filters.BooleanFilter(
        label=_("SLA breached only"), method="filter_breached", widget=Checkbox
    )
    contact = IdFilter()
    company = IdFilter()
    unresolved = filters.BooleanFilter(method="filter_unresolved")
    opened_after, opened_before = date_range("opened_at")

    class Meta:
        model = Ticket
        fields = ["q", "status", "priority", "assignee", "breached", "contact", "company"]

    def filter_breached(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.unresolved().filter(sla_due_at__lt=timezone.now())

    def filter_unresolved(self, queryset, name, value):
        unresolved = Q(status__in=[TicketStatus.OPEN, TicketStatus.PENDING])
        return queryset.filter(unresolved if value else ~unresolved)
