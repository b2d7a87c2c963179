"""The KPI catalogue: every KPI's key, name, unit, direction, formula and supported scopes.

`compute(key, period, scope)` is the one entry point the API, the dashboard, the reports
and the snapshots use. Bump a KPI's `version` when its definition changes: snapshots
record it, so history computed under the old definition can be told apart.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from metrics.kpis import customers, marketing, quotas, revenue, sales, statements, support
from metrics.kpis.base import KpiResult, Rows
from metrics.scopes import Period, Scope, ScopeType, UnsupportedScope

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Unit:
    PERCENT = "percent"
    COUNT = "count"
    DAYS = "days"
    HOURS = "hours"
    MONEY = "money"
    SCORE = "score"
    RATIO = "ratio"


HIGHER = "higher_is_better"
LOWER = "lower_is_better"

# How a KPI reads its period (`Kpi.reading`): PERIOD counts what happened within it;
# COHORT takes the records created in it and counts those that reached the outcome as of
# now, so a recent period's figure still grows (extra["open_share"] is what is undecided).
PERIOD = "period"
COHORT = "cohort"
READINGS = {
    PERIOD: _("Counts what happened within the period; a past period's figure stays put."),
    COHORT: _(
        "Cohort: of those created in the period, the share that has reached the outcome "
        "as of now, whenever that happened. A recent cohort is still maturing: the share "
        "still undecided is given beside it (open_share)."
    ),
}

C, OWN, T, P, K = (
    ScopeType.COMPANY,
    ScopeType.OWNER,
    ScopeType.TEAM,
    ScopeType.PIPELINE,
    ScopeType.CAMPAIGN,
)
PEOPLE = (C, OWN, T)
DEALS = (C, OWN, T, P)
LEADS = (C, OWN, T, K)
PURCHASES = (C, OWN, T, P, K)


@dataclass(frozen=True)
class Kpi:
    key: str
    name: "StrOrPromise"
    unit: str
    direction: str
    description: "StrOrPromise"
    formula: "StrOrPromise"
    scopes: tuple[str, ...]
    function: Callable[[Period, Scope], KpiResult]
    family: str
    version: int = 1
    reading: str = PERIOD
    # The records behind the number (`metrics.kpis.base.Rows`), from the same querysets
    # the aggregate uses: what a KPI card, report cell or goal opens to.
    records: Callable[[Period, Scope], list[Rows]] | None = None

    def supports(self, scope_type: str) -> bool:
        return scope_type in self.scopes

    @property
    def is_cohort(self) -> bool:
        return self.reading == COHORT

    @property
    def definition(self) -> str:
        """The reading of the KPI's period, in the active language."""
        return str(READINGS[self.reading])


KPIS: dict[str, Kpi] = {
    kpi.key: kpi
    for kpi in [
        Kpi(
            "leads",
            _("Leads"),
            Unit.COUNT,
            HIGHER,
            _("Leads created in the period."),
            _("count(leads created in [start, end))"),
            LEADS,
            sales.leads,
            "sales",
            records=sales.leads_records,
        ),
        Kpi(
            "conversion_rate",
            _("Lead conversion rate"),
            Unit.PERCENT,
            HIGHER,
            _("Share of the leads created in the period that have converted, as of now."),
            _("leads created in the period and converted by now ÷ leads created × 100"),
            LEADS,
            sales.conversion_rate,
            "sales",
            records=sales.conversion_rate_records,
            version=2,
            reading=COHORT,
        ),
        Kpi(
            "close_rate",
            _("Close rate"),
            Unit.PERCENT,
            HIGHER,
            _("Share of the deals created in the period that have been won, as of now."),
            _("deals created in the period and won by now ÷ deals created × 100"),
            DEALS,
            sales.close_rate,
            "sales",
            records=sales.close_rate_records,
            version=2,
            reading=COHORT,
        ),
        Kpi(
            "win_rate",
            _("Win rate"),
            Unit.PERCENT,
            HIGHER,
            _("Deals won out of the deals closed (won or lost) in the period."),
            _("deals won ÷ (deals won + deals lost) × 100"),
            DEALS,
            sales.win_rate,
            "sales",
            records=sales.win_rate_records,
        ),
        Kpi(
            "open_deals",
            _("Open deals"),
            Unit.COUNT,
            HIGHER,
            _("Deals still open at the end of the period, with their total value."),
            _("count(deals created before end and not closed before end)"),
            DEALS,
            sales.open_deals,
            "sales",
            records=sales.open_deals_records,
        ),
        Kpi(
            "sales_cycle_days",
            _("Sales cycle"),
            Unit.DAYS,
            LOWER,
            _("Mean days from creation to win, over the deals won in the period."),
            _("Σ(closed_at − created_at) ÷ deals won"),
            DEALS,
            sales.sales_cycle_days,
            "sales",
            records=sales.sales_cycle_days_records,
        ),
        Kpi(
            "stage_duration_days",
            _("Days in stage"),
            Unit.DAYS,
            LOWER,
            _("Mean days a deal spends in a stage, over the stage exits in the period."),
            _("Σ(left_at − entered_at) ÷ stage exits, also per stage"),
            DEALS,
            sales.stage_duration_days,
            "sales",
            records=sales.stage_duration_days_records,
        ),
        Kpi(
            "calls_per_lead",
            _("Calls per lead"),
            Unit.RATIO,
            HIGHER,
            _("Completed calls on leads per lead worked in the period."),
            _("completed calls on leads ÷ distinct leads with a completed activity"),
            LEADS,
            sales.calls_per_lead,
            "sales",
            records=sales.calls_per_lead_records,
        ),
        Kpi(
            "new_revenue",
            _("New revenue"),
            Unit.MONEY,
            HIGHER,
            _("Revenue from customers in their first months as customers (a workspace setting)."),
            _("Σ purchases where purchased_at < start of the first customer spell + N months"),
            PURCHASES,
            revenue.new_revenue,
            "revenue",
            records=revenue.new_revenue_records,
        ),
        Kpi(
            "net_new_revenue",
            _("Net new revenue"),
            Unit.MONEY,
            HIGHER,
            _("Revenue in the period from its new customers (who first became customers in it)."),
            _("Σ purchases of new customers (first customer spell began in the period)"),
            PURCHASES,
            revenue.net_new_revenue,
            "revenue",
            records=revenue.net_new_revenue_records,
        ),
        Kpi(
            "repeat_customers",
            _("Repeat customers"),
            Unit.COUNT,
            HIGHER,
            _("Customers with two or more purchases up to the end of the period."),
            _("count(customers with ≥ 2 purchases before end)"),
            PEOPLE,
            customers.repeat_customers,
            "customers",
            records=customers.repeat_customers_records,
        ),
        Kpi(
            "churn_rate",
            _("Churn rate"),
            Unit.PERCENT,
            LOWER,
            _(
                "Customers lost among those who were customers at the start; a later return "
                "does not undo the loss."
            ),
            _("customers lost ÷ customers at start × 100"),
            PEOPLE,
            customers.churn_rate,
            "customers",
            records=customers.churn_rate_records,
        ),
        Kpi(
            "retention_rate",
            _("Retention rate"),
            Unit.PERCENT,
            HIGHER,
            _("Customers at the start still customers at the end, without churning between."),
            _("(customers at start − customers lost) ÷ customers at start × 100"),
            PEOPLE,
            customers.retention_rate,
            "customers",
            records=customers.retention_rate_records,
        ),
        Kpi(
            "renewal_rate",
            _("Renewal rate"),
            Unit.PERCENT,
            HIGHER,
            _("Subscriptions renewed out of those due for renewal in the period."),
            _("subscriptions renewed ÷ subscriptions due × 100"),
            PEOPLE,
            customers.renewal_rate,
            "customers",
            records=customers.renewal_rate_records,
        ),
        Kpi(
            "cac",
            _("Customer acquisition cost"),
            Unit.MONEY,
            LOWER,
            _("Sales and marketing spend per customer acquired in the period."),
            _("spend in period (pro rata by day) ÷ new customers"),
            (C, K),
            marketing.cac,
            "marketing",
            records=marketing.cac_records,
        ),
        Kpi(
            "clv",
            _("Customer lifetime value"),
            Unit.MONEY,
            HIGHER,
            _(
                "Average purchase value × purchase frequency × customer lifespan (years); "
                "lifespan = 1 ÷ annual churn rate, or the fixed lifespan the workspace sets."
            ),
            _(
                "(revenue ÷ purchases) × (purchases ÷ customers) × (1 ÷ annual churn rate), "
                "over the 12 months before end"
            ),
            PURCHASES,
            revenue.clv,
            "revenue",
            records=revenue.clv_records,
        ),
        Kpi(
            "upsell_rate",
            _("Upsell rate"),
            Unit.PERCENT,
            HIGHER,
            _("Customers who bought an upsell in the period."),
            _("customers with a won upsell deal ÷ customers in the period × 100"),
            PEOPLE,
            revenue.upsell_rate,
            "revenue",
            records=revenue.upsell_rate_records,
        ),
        Kpi(
            "cross_sell_rate",
            _("Cross-sell rate"),
            Unit.PERCENT,
            HIGHER,
            _("Buyers who bought in two or more product categories in the period."),
            _("buyers in ≥ 2 categories ÷ buyers × 100"),
            PURCHASES,
            revenue.cross_sell_rate,
            "revenue",
            records=revenue.cross_sell_rate_records,
        ),
        Kpi(
            "campaign_revenue",
            _("Campaign revenue"),
            Unit.MONEY,
            HIGHER,
            _("Revenue attributed to campaigns (or to one campaign)."),
            _("Σ purchases attributed to the campaign"),
            (C, K),
            marketing.campaign_revenue,
            "marketing",
            records=marketing.campaign_revenue_records,
        ),
        Kpi(
            "campaign_new_customers",
            _("Campaign new customers"),
            Unit.COUNT,
            HIGHER,
            _("Customers acquired in the period through a campaign."),
            _("count(new customers with a purchase or lead from the campaign)"),
            (C, K),
            marketing.campaign_new_customers,
            "marketing",
            records=marketing.campaign_new_customers_records,
        ),
        Kpi(
            "referrals",
            _("Referrals"),
            Unit.COUNT,
            HIGHER,
            _("Referrals made in the period."),
            _("count(referrals with referred_on in the period)"),
            PEOPLE,
            marketing.referrals,
            "marketing",
            records=marketing.referrals_records,
        ),
        Kpi(
            "quota_attainment",
            _("Quota attainment"),
            Unit.PERCENT,
            HIGHER,
            _(
                "Won deal value of the people who carry a quota, against the quotas that "
                "apply: a rep's own; a team's own, or its members' where the team has none; "
                "for the company, team quotas plus the quotas of reps outside them. Wins by "
                "people without a quota do not count."
            ),
            _("won value of the people the quotas cover ÷ those quotas (pro rata by day) × 100"),
            PEOPLE,
            quotas.quota_attainment,
            "sales",
            records=quotas.quota_attainment_records,
        ),
        Kpi(
            "avg_resolution_hours",
            _("Average resolution time"),
            Unit.HOURS,
            LOWER,
            _("Mean hours from opening to resolution, tickets resolved in the period."),
            _("Σ(resolved_at − opened_at) ÷ tickets resolved"),
            PEOPLE,
            support.avg_resolution_hours,
            "support",
            records=support.avg_resolution_hours_records,
        ),
        Kpi(
            "nps",
            _("Net promoter score"),
            Unit.SCORE,
            HIGHER,
            _("% promoters − % detractors; 0–10 and 1–5 answers each on their own scale."),
            _("(promoters − detractors) ÷ responses × 100"),
            PEOPLE,
            support.nps,
            "support",
            records=support.nps_records,
        ),
    ]
}


class UnknownKpi(KeyError):
    pass


def get(key: str) -> Kpi:
    try:
        return KPIS[key]
    except KeyError:
        raise UnknownKpi(key) from None


def records(key: str, period: Period, scope: Scope | None = None) -> list[Rows]:
    """The rows behind the KPI `key` over `period` for `scope` (see `compute`)."""
    kpi = get(key)
    scope = scope or Scope.company()
    if not kpi.supports(scope.type):
        raise UnsupportedScope(f"{key} does not support the {scope.type} scope")
    assert kpi.records is not None, key  # every KPI of KPIS names its records
    return kpi.records(period, scope)


def compute(key: str, period: Period, scope: Scope | None = None) -> KpiResult:
    """The KPI `key` over `period` for `scope` (company-wide by default).

    Its SQL is compiled once per process and scope type (metrics.kpis.statements).
    """
    kpi = get(key)
    scope = scope or Scope.company()
    if not kpi.supports(scope.type):
        raise UnsupportedScope(f"{key} does not support the {scope.type} scope")
    return statements.compute(key, kpi.function, period, scope)
