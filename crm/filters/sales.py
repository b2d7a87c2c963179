"""Leads, pipelines, stages, deals and activities: one FilterSet each for the API, the
list pages and the exports."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from crm.models import (
    Activity,
    ActivityKind,
    CallOutcome,
    Deal,
    DealKind,
    DealStatus,
    Lead,
    LeadStatus,
    Pipeline,
    Source,
    Stage,
)

from .base import (
    IdFilter,
    PickFilter,
    WordsFilter,
    active_users,
    choice,
    date_range,
    sales_owners,
)


class LeadFilter(filters.FilterSet):
    q = WordsFilter("contact__first_name", "contact__last_name", "contact__email")
    status = choice(LeadStatus.choices, _("Status"))
    source = choice(Source.choices, _("Source"))
    min_score = filters.NumberFilter(
        label=_("Score at least"), field_name="score", lookup_expr="gte"
    )
    owner = PickFilter(label=_("Owner"), queryset=sales_owners)
    campaign = IdFilter()
    contact = IdFilter()
    created_after, created_before = date_range("created_at")

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "min_score", "owner", "campaign", "contact"]


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
    q = WordsFilter("title", "contact__first_name", "contact__last_name", "company__name")
    status = choice(DealStatus.choices, _("Status"))
    pipeline = PickFilter(label=_("Pipeline"), queryset=Pipeline.objects.all())
    stage = PickFilter(label=_("Stage"), queryset=Stage.objects.select_related("pipeline"))
    kind = choice(DealKind.choices, _("Kind"))
    owner = PickFilter(label=_("Owner"), queryset=sales_owners)
    contact = IdFilter()
    company = IdFilter()
    # The data-quality page's "Stale deals": idle in their stage past its rotting days.
    stale = filters.BooleanFilter(label=_("Stale deals"), method="filter_stale")
    created_after, created_before = date_range("created_at")
    closed_after, closed_before = date_range("closed_at")

    class Meta:
        model = Deal
        fields = ["q", "status", "pipeline", "stage", "kind", "owner", "contact", "company"]

    def filter_stale(self, queryset, name, value):
        return queryset.rotting() if value else queryset


class ActivityFilter(filters.FilterSet):
    q = WordsFilter("subject", "notes", "contact__first_name", "contact__last_name", "deal__title")
    kind = choice(ActivityKind.choices, _("Kind"))
    # The list page's to-do / done select; `done=true|false` says the same for the API.
    state = choice([("open", _("To do")), ("done", _("Done"))], _("State"), method="filter_state")
    assignee = PickFilter(label=_("Assignee"), queryset=active_users)
    outcome = filters.ChoiceFilter(choices=CallOutcome.choices)
    deal = IdFilter()
    lead = IdFilter()
    contact = IdFilter()
    done = filters.BooleanFilter(method="filter_done")
    due_after, due_before = date_range("due_at")

    class Meta:
        model = Activity
        fields = ["q", "kind", "state", "assignee", "outcome", "deal", "lead", "contact", "done"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(done_at__isnull=(value == "open"))

    def filter_done(self, queryset, name, value):
        return queryset.filter(done_at__isnull=not value)
