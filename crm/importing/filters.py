"""Filters of the exportable lists, shared by the browser export and the API export.

Parameter names follow the API's list filters (`?owner=&status=&stage=`), plus `q` for
the list pages' search box, so a list page can hand its query string to the export link.
"""

import django_filters as filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    DealKind,
    DealStatus,
    Lead,
    LeadStatus,
    Lifecycle,
    Purchase,
    Source,
    Ticket,
    TicketPriority,
    TicketStatus,
)


def _search(*fields):
    def method(queryset, name, value):
        words = value.split()
        for word in words[:5]:
            query = Q()
            for field_name in fields:
                query |= Q(**{f"{field_name}__icontains": word})
            queryset = queryset.filter(query)
        return queryset

    return method


class ContactExportFilter(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method=_search("first_name", "last_name", "email", "phone", "company__name"),
    )
    lifecycle = filters.ChoiceFilter(choices=Lifecycle.choices)
    source = filters.ChoiceFilter(choices=Source.choices)
    tag = filters.CharFilter(field_name="tags__name", lookup_expr="iexact", distinct=True)
    missing = filters.ChoiceFilter(
        label=_("Missing"),
        choices=[("email", _("Email")), ("owner", _("Owner"))],
        method="filter_missing",
    )

    class Meta:
        model = Contact
        fields = ["owner", "company", "opted_out"]

    def filter_missing(self, queryset, name, value):
        return queryset.filter(email="") if value == "email" else queryset.filter(owner=None)


class CompanyExportFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method=_search("name", "domain", "industry"))
    industry = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Company
        fields = ["owner"]


class DealExportFilter(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method=_search("title", "contact__first_name", "contact__last_name", "company__name"),
    )
    status = filters.ChoiceFilter(choices=DealStatus.choices)
    kind = filters.ChoiceFilter(choices=DealKind.choices)
    # The data-quality page's "Stale deals": idle in their stage past its rotting days.
    stale = filters.BooleanFilter(label=_("Stale deals"), method="filter_stale")

    class Meta:
        model = Deal
        fields = ["pipeline", "stage", "owner", "contact", "company"]

    def filter_stale(self, queryset, name, value):
        return queryset.rotting() if value else queryset


class LeadExportFilter(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method=_search("contact__first_name", "contact__last_name", "contact__email"),
    )
    status = filters.ChoiceFilter(choices=LeadStatus.choices)
    source = filters.ChoiceFilter(choices=Source.choices)
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Lead
        fields = ["owner", "campaign", "contact"]


class ActivityExportFilter(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method=_search(
            "subject", "notes", "contact__first_name", "contact__last_name", "deal__title"
        ),
    )
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    done = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)
    # The list page's "state" filter: open (to do) or done.
    state = filters.ChoiceFilter(
        choices=[("open", _("To do")), ("done", _("Done"))], method="filter_state"
    )

    class Meta:
        model = Activity
        fields = ["assignee", "deal", "lead", "contact"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(done_at__isnull=(value == "open"))


class TicketExportFilter(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method=_search("subject", "description", "contact__first_name", "contact__last_name"),
    )
    status = filters.ChoiceFilter(choices=TicketStatus.choices)
    priority = filters.ChoiceFilter(choices=TicketPriority.choices)
    breached = filters.BooleanFilter(method="filter_breached")

    class Meta:
        model = Ticket
        fields = ["assignee", "contact"]

    def filter_breached(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.unresolved().filter(sla_due_at__lt=timezone.now())


class PurchaseExportFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method=_search("product", "category"))
    purchased_after = filters.DateFilter(field_name="purchased_at", lookup_expr="date__gte")
    purchased_before = filters.DateFilter(field_name="purchased_at", lookup_expr="date__lte")

    class Meta:
        model = Purchase
        fields = ["contact", "company", "campaign", "deal", "category"]
