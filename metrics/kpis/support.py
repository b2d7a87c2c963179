"""Support KPIs: resolution time (per agent through `assignee`) and NPS."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from crm.models import NpsResponse, Ticket
from metrics.scopes import Period, Scope

from .base import (
    AVERAGED,
    DENOMINATOR,
    NUMERATOR,
    SECONDS_PER_HOUR,
    KpiResult,
    Parts,
    Rows,
    duration_parts,
    mean_duration,
    percent,
    where,
)

# Each response is classified on its own scale: 0-10 (9-10 promote, 0-6 detract) or
# 1-5 (4-5 promote, 1-2 detract). GOALPOST_NPS_SCALE only picks the scale new surveys use.
PROMOTER = Q(scale=10, score__gte=9) | Q(scale=5, score__gte=4)
DETRACTOR = Q(scale=10, score__lte=6) | Q(scale=5, score__lte=2)


def tickets_in(scope: Scope) -> QuerySet[Ticket]:
    """The scope's tickets (an agent's: those assigned to them), at any time."""
    return Ticket.objects.filter(scope.people_q("assignee"))


def tickets_resolved(period: Period, scope: Scope) -> QuerySet[Ticket]:
    return tickets_in(scope).filter(avg_resolution_hours_parts(period).rows)


def avg_resolution_hours_parts(period: Period) -> Parts:
    """Tickets resolved in the period: `total` (Σ resolved_at - opened_at, a timedelta)
    and `n`."""
    return duration_parts(
        Q(resolved_at__gte=period.start_at, resolved_at__lt=period.end_at),
        "resolved_at",
        "opened_at",
    )


def avg_resolution_hours_of(totals: dict[str, Any]) -> KpiResult:
    """total / n in hours (numerator: the total in hours) from
    `avg_resolution_hours_parts`' totals; None for no ticket resolved."""
    return mean_duration(totals["total"], totals["n"], per=SECONDS_PER_HOUR)


def avg_resolution_hours(period: Period, scope: Scope) -> KpiResult:
    return avg_resolution_hours_of(
        avg_resolution_hours_parts(period).total(lambda: tickets_in(scope))
    )


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


def nps_responses_in(scope: Scope) -> QuerySet[NpsResponse]:
    """The scope's survey answers (a rep's: from their contacts), at any time."""
    return NpsResponse.objects.filter(scope.people_q("contact__owner"))


def nps_responses(period: Period, scope: Scope) -> QuerySet[NpsResponse]:
    return nps_responses_in(scope).filter(nps_parts(period).rows)


def nps_parts(period: Period) -> Parts:
    """Answers given in the period: `responses`, of them `promoters` and `detractors`."""
    return Parts(
        rows=Q(responded_at__gte=period.start_at, responded_at__lt=period.end_at),
        totals=lambda within: {
            "responses": Count("id", filter=within),
            "promoters": Count("id", filter=where(within, PROMOTER)),
            "detractors": Count("id", filter=where(within, DETRACTOR)),
        },
    )


def nps_of(totals: dict[str, Any]) -> KpiResult:
    """(promoters - detractors) / responses * 100 from `nps_parts`' totals, the two
    counts in `extra`; None for no answer."""
    result = percent(totals["promoters"] - totals["detractors"], totals["responses"])
    result.extra = {"promoters": totals["promoters"], "detractors": totals["detractors"]}
    return result


def nps(period: Period, scope: Scope) -> KpiResult:
    """% promoters - % detractors; numerator = promoters - detractors, denominator = responses."""
    return nps_of(nps_parts(period).total(lambda: nps_responses_in(scope)))


def nps_records(period: Period, scope: Scope) -> list[Rows]:
    """numerator: promoters minus detractors; denominator: every response."""
    responses = nps_responses(period, scope)
    return [
        Rows("promoters", NUMERATOR, responses.filter(PROMOTER), date="responded_at"),
        Rows("detractors", NUMERATOR, responses.filter(DETRACTOR), sign=-1, date="responded_at"),
        Rows("responses", DENOMINATOR, responses, date="responded_at"),
    ]
