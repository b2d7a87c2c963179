"""django-filter FilterSets behind the list pages' filter bars."""

import django_filters
from django import forms
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
    Pipeline,
    Role,
    Source,
    Stage,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)


def _owners(request):
    return User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER, Role.ADMIN])


class ContactFilter(django_filters.FilterSet):
    lifecycle = django_filters.ChoiceFilter(
        label=_("Lifecycle"), empty_label=_("Any"), choices=Lifecycle.choices
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), empty_label=_("Any"), choices=Source.choices
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), empty_label=_("Any"), queryset=_owners
    )
    tag = django_filters.CharFilter(label=_("Tag"), field_name="tags__name", lookup_expr="iexact")

    class Meta:
        model = Contact
        fields = ["lifecycle", "source", "owner", "tag"]

    def filter_queryset(self, queryset):
        # Filtering on a tag joins the M2M table; keep each contact once.
        queryset = super().filter_queryset(queryset)
        return queryset.distinct() if self.form.cleaned_data.get("tag") else queryset


class CompanyFilter(django_filters.FilterSet):
    industry = django_filters.CharFilter(label=_("Industry"), lookup_expr="icontains")
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), empty_label=_("Any"), queryset=_owners
    )

    class Meta:
        model = Company
        fields = ["industry", "owner"]


class LeadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=_("Any"), choices=LeadStatus.choices
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), empty_label=_("Any"), choices=Source.choices
    )
    min_score = django_filters.NumberFilter(
        label=_("Score at least"), field_name="score", lookup_expr="gte"
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), empty_label=_("Any"), queryset=_owners
    )

    class Meta:
        model = Lead
        fields = ["status", "source", "min_score", "owner"]


class DealFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=_("Any"), choices=DealStatus.choices
    )
    pipeline = django_filters.ModelChoiceFilter(
        label=_("Pipeline"), empty_label=_("Any"), queryset=Pipeline.objects.all()
    )
    stage = django_filters.ModelChoiceFilter(
        label=_("Stage"), empty_label=_("Any"), queryset=Stage.objects.select_related("pipeline")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), empty_label=_("Any"), choices=DealKind.choices
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), empty_label=_("Any"), queryset=_owners
    )

    class Meta:
        model = Deal
        fields = ["status", "pipeline", "stage", "kind", "owner"]


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), empty_label=_("Any"), choices=ActivityKind.choices
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        empty_label=_("Any"),
        choices=[("open", _("To do")), ("done", _("Done"))],
        method="filter_state",
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"),
        empty_label=_("Any"),
        queryset=lambda r: User.objects.filter(is_active=True),
    )

    class Meta:
        model = Activity
        fields = ["kind", "state", "assignee"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(done_at__isnull=(value == "open"))


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=_("Any"), choices=TicketStatus.choices
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), empty_label=_("Any"), choices=TicketPriority.choices
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"),
        empty_label=_("Any"),
        queryset=lambda r: User.objects.filter(
            is_active=True, role__in=[Role.SUPPORT, Role.MANAGER, Role.ADMIN]
        ),
    )
    breached = django_filters.BooleanFilter(
        label=_("SLA breached only"), method="filter_breached", widget=forms.CheckboxInput
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assignee", "breached"]

    def filter_breached(self, queryset, name, value):
        from django.utils import timezone

        if not value:
            return queryset
        return queryset.unresolved().filter(sla_due_at__lt=timezone.now())
