"""The one FilterSet of the audit log, for the Settings page and the API alike."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from crm.models import AuditEvent, AuditKind, User


class AuditEventFilter(filters.FilterSet):
    """`kind`, `actor` (user id), `since` / `until` (dates, inclusive, site time zone)."""

    kind = filters.ChoiceFilter(choices=AuditKind.choices, label=_("Event"))
    actor = filters.ModelChoiceFilter(queryset=User.objects.order_by("username"), label=_("User"))
    since = filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["kind", "actor", "since", "until"]
