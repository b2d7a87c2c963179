"""Reads of the automation app: querysets the API and the pages share."""

from django.db.models import Count, Q, QuerySet

from crm.models import Campaign

from .models import Enrollment, EnrollmentStatus, Rule, Run, RunStatus


def rule_list() -> QuerySet[Rule]:
    """Rules with their run counts per status (one query, whatever the log's size)."""
    return Rule.objects.select_related("created_by").annotate(
        succeeded_runs=Count("runs", filter=Q(runs__status=RunStatus.SUCCEEDED)),
        failed_runs=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
    )


def run_list(*, rule: Rule | None = None) -> QuerySet[Run]:
    runs = Run.objects.select_related("rule")
    return runs.filter(rule=rule) if rule is not None else runs


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("owner").annotate(
        active_enrollments=Count(
            "enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE)
        ),
        total_enrollments=Count("enrollments"),
    )


def enrollment_list() -> QuerySet[Enrollment]:
    return Enrollment.objects.select_related("campaign", "contact")
