import django_filters

from automation.models import Enrollment, Run


class RunFilter(django_filters.FilterSet):
    started_after = django_filters.DateFilter(field_name="started_at", lookup_expr="date__gte")
    started_before = django_filters.DateFilter(field_name="started_at", lookup_expr="date__lte")

    class Meta:
        model = Run
        fields = ["rule", "status", "event_kind", "event"]


class EnrollmentFilter(django_filters.FilterSet):
    class Meta:
        model = Enrollment
        fields = ["contact", "campaign", "status"]
