"""The four goals of the source articles, as pre-filled and editable starting points.

Dates are worked out from today; a relative target (churn -25 %, revenue +50 %) is
computed from the baseline the KPI has today, and left for the user to fill when the
KPI has no value yet.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from goals import kpi_source
from goals.models import Objective, ScopeType
from goals.periods import end_of_next_quarter, end_of_year

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class GoalTemplate:
    key: str
    title: "StrOrPromise"
    plan: "StrOrPromise"
    resources: "StrOrPromise"
    kpi: str
    objective: str
    # (today) -> (start_date, deadline)
    dates: Callable[[date], tuple[date, date]]
    baseline: Decimal | None = None
    target: Decimal | None = None
    # Target as a multiple of the baseline, when the article states a relative change.
    target_factor: Decimal | None = None

    def initial(self, *, today: date, scope_type: str = ScopeType.COMPANY, scope_id=None) -> dict:
        """Form / API values for this template, ready to edit."""
        start, deadline = self.dates(today)
        baseline = self.baseline
        if baseline is None and kpi_source.kpi_exists(self.kpi):
            baseline = kpi_source.baseline_at(self.kpi, scope_type, scope_id, start)
        target = self.target
        if target is None and baseline is not None and self.target_factor is not None:
            target = (Decimal(baseline) * self.target_factor).quantize(
                TWO_PLACES, rounding=ROUND_HALF_UP
            )
        return {
            "title": str(self.title),
            "plan": str(self.plan),
            "resources": str(self.resources),
            "kpi": self.kpi,
            "objective": self.objective,
            "scope_type": scope_type,
            "scope_id": scope_id,
            "baseline": baseline,
            "target": target,
            "start_date": start,
            "deadline": deadline,
        }


def _to_next_quarter_end(today: date) -> tuple[date, date]:
    return today, end_of_next_quarter(today)


def _to_year_end(today: date) -> tuple[date, date]:
    deadline = end_of_year(today)
    if deadline <= today:  # on 31 December "by year end" means next year's
        deadline = end_of_year(today + timedelta(days=1))
    return today, deadline


def _this_year(today: date) -> tuple[date, date]:
    start, deadline = date(today.year, 1, 1), end_of_year(today)
    if deadline <= today:
        start, deadline = date(today.year + 1, 1, 1), date(today.year + 1, 12, 31)
    return start, deadline


def _six_months(today: date) -> tuple[date, date]:
    return today, today + timedelta(days=182)


TEMPLATES: tuple[GoalTemplate, ...] = (
    GoalTemplate(
        key="reduce_churn",
        title=_("Cut churn by 25 %"),
        plan=_(
            "Use the CRM to improve communication between sales and support: every "
            "renewal gets a call a month ahead and every unhappy NPS answer a follow-up."
        ),
        resources=_("Support and account managers; renewal and NPS automation rules."),
        kpi="churn_rate",
        objective=Objective.RETENTION,
        dates=_to_next_quarter_end,
        target_factor=Decimal("0.75"),
    ),
    GoalTemplate(
        key="shorten_sales_cycle",
        title=_("Shorten the sales cycle from 4 months to 2"),
        plan=_(
            "Qualify leads before they enter the pipeline, follow up within a day, and "
            "review deals stuck in a stage every week."
        ),
        resources=_("The sales team, lead scoring, call tasks created by automation."),
        kpi="sales_cycle_days",
        objective=Objective.SALES_CYCLE,
        dates=_six_months,
        baseline=Decimal("120"),
        target=Decimal("60"),
    ),
    GoalTemplate(
        key="grow_new_revenue",
        title=_("Grow new revenue by 50 % this year"),
        plan=_(
            "Hand qualified leads to sales faster, upsell and cross-sell to customers in "
            "their first six months."
        ),
        resources=_("Marketing nurture campaigns, the sales team, upsell playbooks."),
        kpi="new_revenue",
        objective=Objective.SELL_MORE,
        dates=_this_year,
        target_factor=Decimal("1.5"),
    ),
    GoalTemplate(
        key="lower_cac",
        title=_("Lower CAC from $115 to $80 by year end"),
        plan=_(
            "Move spend to the campaigns that bring customers, grow referrals, and stop "
            "campaigns whose customers cost more than they bring."
        ),
        resources=_("The marketing budget, campaign attribution reports, referral program."),
        kpi="cac",
        objective=Objective.LOWER_CAC,
        dates=_to_year_end,
        baseline=Decimal("115"),
        target=Decimal("80"),
    ),
)


def get_template(key: str) -> GoalTemplate | None:
    return next((t for t in TEMPLATES if t.key == key), None)
