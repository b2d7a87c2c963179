"""The dashboard's cards: each KPI of the scope now, in the previous period, and its trend."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.utils import timezone

from metrics import registry
from metrics.drilldown import records_url
from metrics.kpis.together import ReadsDiffer, compute_together
from metrics.registry import HIGHER, Kpi
from metrics.scopes import Period, Scope
from metrics.selectors import snapshot_series

SPARKLINE_DAYS = 90

logger = logging.getLogger(__name__)


@dataclass
class Card:
    kpi: Kpi
    value: Decimal | int | None
    previous: Decimal | int | None
    series: list = field(default_factory=list)
    # [{"currency", "date"}] of amounts left out of a money value for want of a rate.
    missing_rates: list = field(default_factory=list)
    # A cohort KPI's share still undecided (percent): how far its cohort has matured.
    open_share: Decimal | None = None
    # The page listing the records behind the value (metrics.drilldown).
    records_url: str = ""

    @property
    def change(self):
        if self.value is None or self.previous is None:
            return None
        return Decimal(self.value) - Decimal(self.previous)

    @property
    def trend(self) -> str | None:
        change = self.change
        if change is None:
            return None
        return "up" if change > 0 else "down" if change < 0 else "flat"

    @property
    def verdict(self) -> str | None:
        """better / worse / same, by the KPI's direction (churn going down is better)."""
        trend = self.trend
        if trend in (None, "flat"):
            return None if trend is None else "same"
        good = (trend == "up") == (self.kpi.direction == HIGHER)
        return "better" if good else "worse"


def dashboard_cards(period: Period, scope: Scope) -> list[Card]:
    """Every KPI the scope supports, computed live for the period and the one before it.

    One SQL statement for every KPI in both periods (metrics.kpis.together), plus one for
    the sparklines: the page's query count grows with neither the KPIs nor the rows.
    """
    previous = period.previous()
    until = min(period.end - timedelta(days=1), timezone.localdate())
    series = snapshot_series(scope, since=until - timedelta(days=SPARKLINE_DAYS), until=until)
    kpis = [kpi for kpi in registry.KPIS.values() if kpi.supports(scope.type)]
    # Every KPI of every family, now and before, in one statement: with the session, the
    # user, the form's choices and the sparklines the page stays within 12 queries, which
    # a statement per family (5 more) would not leave room for.
    calls = [partial(kpi.function, when, scope) for kpi in kpis for when in (period, previous)]
    try:
        results = iter(compute_together(calls))
    except ReadsDiffer:
        # A KPI whose reads depend on its own numbers cannot share the statement: the page
        # still shows every card, one query per read, and the log names the culprit.
        logger.exception("A KPI's reads differ on replay; computing the dashboard per KPI")
        results = iter([call() for call in calls])
    cards = []
    for kpi in kpis:
        now, before = next(results), next(results)
        cards.append(
            Card(
                kpi=kpi,
                value=now.value,
                missing_rates=now.extra.get("missing_rates", []),
                open_share=now.extra.get("open_share") if kpi.is_cohort else None,
                records_url=records_url(kpi.key, period, scope),
                previous=before.value,
                series=[
                    [day.isoformat(), None if value is None else float(value)]
                    for day, value in series.get(kpi.key, [])
                ],
            )
        )
    return cards
