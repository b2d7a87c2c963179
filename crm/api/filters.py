"""FilterSets of the core API: foreign keys by id, statuses by their API names.

Ids are parsed as integers (a malformed id is a 400); an id the user cannot see simply
matches nothing, so filters never reveal rows outside the user's scope.
"""

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters

from crm.models import (
    Activity,
    ActivityKind,
    CallOutcome,
    Company,
    Contact,
    Deal,
    DealKind,
    DealStatus,
    EmailDirection,
    EmailMessage,
    Interaction,
    InteractionKind,
    Lead,
    LeadStatus,
    Lifecycle,
    Note,
    NpsResponse,
    Pipeline,
    Purchase,
    Referral,
    Role,
    Source,
    Spend,
    SpendCategory,
    Stage,
    Subscription,
    SubscriptionStatus,
    Team,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)

# Largest id PostgreSQL's bigint holds; beyond it a lookup would be a database error.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(filters.Filter):
    field_class = IdField


def _range(field_name):
    """`<name>_after` (inclusive) and `<name>_before` (exclusive) ISO 8601 timestamps."""
    return (
        filters.IsoDateTimeFilter(field_name=field_name, lookup_expr="gte"),
        filters.IsoDateTimeFilter(field_name=field_name, lookup_expr="lt"),
    )


class UserFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    team = IdFilter()
    is_active = filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["role", "team", "is_active"]


class TeamFilter(filters.FilterSet):
    manager = IdFilter()

    class Meta:
        model = Team
        fields = ["manager"]


class CompanyFilter(filters.FilterSet):
    owner = IdFilter()
    industry = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Company
        fields = ["owner", "industry"]


class ContactFilter(filters.FilterSet):
    lifecycle = filters.ChoiceFilter(choices=Lifecycle.choices)
    source = filters.ChoiceFilter(choices=Source.choices)
    owner = IdFilter()
    company = IdFilter()
    referred_by = IdFilter()
    tag = filters.CharFilter(field_name="tags__name", lookup_expr="iexact", distinct=True)
    opted_out = filters.BooleanFilter()
    created_after, created_before = _range("created_at")

    class Meta:
        model = Contact
        fields = ["lifecycle", "source", "owner", "company", "referred_by", "tag", "opted_out"]


class InteractionFilter(filters.FilterSet):
    contact = IdFilter()
    kind = filters.ChoiceFilter(choices=InteractionKind.choices)
    occurred_after, occurred_before = _range("occurred_at")

    class Meta:
        model = Interaction
        fields = ["contact", "kind"]


class LeadFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=LeadStatus.choices)
    source = filters.ChoiceFilter(choices=Source.choices)
    owner = IdFilter()
    campaign = IdFilter()
    contact = IdFilter()
    created_after, created_before = _range("created_at")

    class Meta:
        model = Lead
        fields = ["status", "source", "owner", "campaign", "contact"]


class PipelineFilter(filters.FilterSet):
    is_default = filters.BooleanFilter()

    class Meta:
        model = Pipeline
        fields = ["is_default"]


class StageFilter(filters.FilterSet):
    pipeline = IdFilter()

    class Meta:
        model = Stage
        fields = ["pipeline"]


class DealFilter(filters.FilterSet):
    pipeline = IdFilter()
    stage = IdFilter()
    owner = IdFilter()
    contact = IdFilter()
    company = IdFilter()
    status = filters.ChoiceFilter(choices=DealStatus.choices)
    kind = filters.ChoiceFilter(choices=DealKind.choices)
    created_after, created_before = _range("created_at")
    closed_after, closed_before = _range("closed_at")

    class Meta:
        model = Deal
        fields = ["pipeline", "stage", "owner", "contact", "company", "status", "kind"]


class EmailMessageFilter(filters.FilterSet):
    contact = IdFilter()
    deal = IdFilter()
    ticket = IdFilter()
    direction = filters.ChoiceFilter(choices=EmailDirection.choices)
    sent_after, sent_before = _range("sent_at")

    class Meta:
        model = EmailMessage
        fields = ["contact", "deal", "ticket", "direction"]


class ActivityFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    outcome = filters.ChoiceFilter(choices=CallOutcome.choices)
    assignee = IdFilter()
    deal = IdFilter()
    lead = IdFilter()
    contact = IdFilter()
    done = filters.BooleanFilter(method="filter_done")
    due_after, due_before = _range("due_at")

    class Meta:
        model = Activity
        fields = ["kind", "outcome", "assignee", "deal", "lead", "contact", "done"]

    def filter_done(self, queryset, name, value):
        return queryset.filter(done_at__isnull=not value)


class NoteFilter(filters.FilterSet):
    deal = IdFilter()
    contact = IdFilter()
    company = IdFilter()
    ticket = IdFilter()
    author = IdFilter()
    pinned = filters.BooleanFilter()

    class Meta:
        model = Note
        fields = ["deal", "contact", "company", "ticket", "author", "pinned"]


class PurchaseFilter(filters.FilterSet):
    contact = IdFilter()
    company = IdFilter()
    campaign = IdFilter()
    deal = IdFilter()
    category = filters.CharFilter(lookup_expr="iexact")
    purchased_after, purchased_before = _range("purchased_at")

    class Meta:
        model = Purchase
        fields = ["contact", "company", "campaign", "deal", "category"]


class SubscriptionFilter(filters.FilterSet):
    contact = IdFilter()
    company = IdFilter()
    status = filters.ChoiceFilter(choices=SubscriptionStatus.choices)
    renewal_due_after = filters.DateFilter(field_name="renewal_due", lookup_expr="gte")
    renewal_due_before = filters.DateFilter(field_name="renewal_due", lookup_expr="lt")

    class Meta:
        model = Subscription
        fields = ["contact", "company", "status"]


class TicketFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=TicketStatus.choices)
    priority = filters.ChoiceFilter(choices=TicketPriority.choices)
    assignee = IdFilter()
    contact = IdFilter()
    company = IdFilter()
    unresolved = filters.BooleanFilter(method="filter_unresolved")
    opened_after, opened_before = _range("opened_at")

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assignee", "contact", "company"]

    def filter_unresolved(self, queryset, name, value):
        unresolved = Q(status__in=[TicketStatus.OPEN, TicketStatus.PENDING])
        return queryset.filter(unresolved if value else ~unresolved)


class NpsResponseFilter(filters.FilterSet):
    contact = IdFilter()
    scale = filters.TypedChoiceFilter(choices=[(10, "10"), (5, "5")], coerce=int)
    channel = filters.CharFilter(lookup_expr="iexact")
    responded_after, responded_before = _range("responded_at")

    class Meta:
        model = NpsResponse
        fields = ["contact", "scale", "channel"]


class ReferralFilter(filters.FilterSet):
    referrer = IdFilter()
    referred = IdFilter()
    referred_after = filters.DateFilter(field_name="referred_on", lookup_expr="gte")
    referred_before = filters.DateFilter(field_name="referred_on", lookup_expr="lt")

    class Meta:
        model = Referral
        fields = ["referrer", "referred"]


class SpendFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=SpendCategory.choices)
    campaign = IdFilter()
    month = filters.DateFilter()
    month_after = filters.DateFilter(field_name="month", lookup_expr="gte")
    month_before = filters.DateFilter(field_name="month", lookup_expr="lt")

    class Meta:
        model = Spend
        fields = ["category", "campaign", "month"]
