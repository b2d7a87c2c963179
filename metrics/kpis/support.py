"""Support KPIs: resolution time (per agent through `assignee`) and NPS."""

from django.db.models import Count, Q, QuerySet, Sum

from crm.models import NpsResponse, Ticket
from metrics.scopes import Period, Scope

from .base import (
    AVERAGED,
    DENOMINATOR,
    NUMERATOR,
    SECONDS_PER_HOUR,
    KpiResult,
    Rows,
    aggregate,
    elapsed,
    mean_duration,
    percent,
)

# Each response is classified on its own scale: 0-10 (9-10 promote, 0-6 detract) or
# 1-5 (4-5 promote, 1-2 detract). GOALPOST_NPS_SCALE only picks the scale new surveys use.
PROMOTER = Q(scale=10, score__gte=9) | Q(scale=5, score__gte=4)
DETRACTOR = Q(scale=10, score__lte=6) | Q(scale=5, score__lte=2)


def tickets_resolved(period: Period, scope: Scope) -> QuerySet[Ticket]:
    return Ticket.objects.filter(
        scope.people_q("assignee"),
        resolved_at__gte=period.start_at,
        resolved_at__lt=period.end_at,
    )


def avg_resolution_hours(period: Period, scope: Scope) -> KpiResult:
    totals = aggregate(
        lambda: tickets_resolved(period, scope),
        total=Sum(elapsed("resolved_at", "opened_at")),
        n=Count("id"),
    )
    return mean_duration(totals["total"], totals["n"], per=SECONDS_PER_HOUR)


def avg_resolution_hours_records(period: Period, scope: Scope) -> list[Rows]:
    return [
        Rows(
            "resolved",
            AVERAGED,
            tickets_resolved(period, scope),
            date="resolved_at",
            duration=("resolved_at", "opened_at"),
            per=SECONDS_PER_HOUR,
        )
    ]


def nps_responses(period: Period, scope: Scope) -> QuerySet[NpsResponse]:
    return NpsResponse.objects.filter(
        scope.people_q("contact__owner"),
        responded_at__gte=period.start_at,
        responded_at__lt=period.end_at,
    )


def nps(period: Period, scope: Scope) -> KpiResult:
    """% promoters - % detractors; numerator = promoters - detractors, denominator = responses."""
    totals = aggregate(
        lambda: nps_responses(period, scope),
        responses=Count("id"),
        promoters=Count("id", filter=PROMOTER),
        detractors=Count("id", filter=DETRACTOR),
    )
    result = percent(totals["promoters"] - totals["detractors"], totals["responses"])
    result.extra = {"promoters": totals["promoters"], "detractors": totals["detractors"]}
    return result


def nps_records(period: Period, scope: Scope) -> list[Rows]:
    """numerator: promoters minus detractors; denominator: every response."""
    responses = nps_responses(period, scope)
    return [
        Rows("promoters", NUMERATOR, responses.filter(PROMOTER), date="responded_at"),
        Rows("detractors", NUMERATOR, responses.filter(DETRACTOR), sign=-1, date="responded_at"),
        Rows("responses", DENOMINATOR, responses, date="responded_at"),
    ]
