"""Marketing KPIs: CAC, campaign revenue and new customers, referrals.

Spend is booked per month; a period covering part of a month takes that share of the
month's spend (by days), so a 30-day trailing window gets a fair month's cost.
A new customer is attributed to a campaign when they have a purchase attributed to it
or a lead that came from it.
"""

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, Q, QuerySet

from crm.models import Contact, CustomerSpell, Lead, Purchase, Referral, Spend
from metrics.currency import reporting_currency
from metrics.scopes import Period, Scope, ScopeType

from .base import (
    DENOMINATOR,
    NUMERATOR,
    KpiResult,
    Rows,
    amount,
    booked_rows,
    converted_total,
    count,
    first_spell_in,
    in_reporting_currency,
    money,
    overlap_share,
    prorated,
    row_count,
    summed_by,
)
from .revenue import bought_in, summed_purchases


def attributing(campaign: Q) -> tuple[QuerySet[Purchase], QuerySet[Lead]]:
    """The records through which a contact comes from the campaigns `campaign` picks
    (`Q(campaign_id=…)`, `Q(campaign__isnull=False)`): their standing purchases
    attributed to it, and their leads from it, at any time. The campaign KPIs read a
    contact's attribution here; the marketing report groups the same records by campaign."""
    return Purchase.objects.filter(campaign), Lead.objects.filter(campaign)


def acquired(period: Period, scope: Scope, *, attributed_only: bool = False) -> QuerySet[Contact]:
    """The period's new customers: contacts whose first customer spell began in it (for a
    campaign: attributed to it). A re-activated customer is not acquired again."""
    new = Contact.objects.filter(first_spell_in(period, prefix="customer_spells__"))
    if scope.type == ScopeType.CAMPAIGN:
        campaign = Q(campaign_id=scope.id)
    elif attributed_only:
        campaign = Q(campaign__isnull=False)
    else:
        return new
    purchases, leads = attributing(campaign)
    return new.filter(
        Exists(purchases.filter(contact=OuterRef("pk")))
        | Exists(leads.filter(contact=OuterRef("pk")))
    )


def acquired_count(period: Period, scope: Scope) -> int:
    """How many `acquired` (CAC's denominator). Company-wide, the first spells begun in the
    period, one per contact, counted without the wide contact table (7x the floor before
    at 100,000 contacts, bench/kpis.py); a campaign's go through `acquired`."""
    if scope.type == ScopeType.CAMPAIGN:
        return row_count(lambda: acquired(period, scope))
    return row_count(lambda: CustomerSpell.objects.filter(first_spell_in(period)))


def spend_rows(period: Period, scope: Scope) -> QuerySet[Spend]:
    """Spend booked in the months the period touches."""
    spend = Spend.objects.filter(month__lt=period.end, month__gte=period.start.replace(day=1))
    if scope.type == ScopeType.CAMPAIGN:
        return spend.filter(campaign_id=scope.id)  # type: ignore[misc]  # a campaign scope has an id
    return spend


def spend_share(period: Period) -> Callable[[Spend], Decimal]:
    """The part of one spend row (booked over its month) falling in the period."""
    return lambda spend: overlap_share(
        spend.amount, spend.month, spend.month + relativedelta(months=1), period
    )


def spend_over_months(months: Iterable[tuple[date, Decimal]], period: Period) -> Decimal:
    """The part of the spend booked per month [(first day of the month, total)] that
    falls in the period, each month weighed by its overlap in days (money)."""
    return prorated(
        ((month, month + relativedelta(months=1), total) for month, total in months), period
    )


def spend_in(period: Period, scope: Scope) -> Decimal:
    """The spend falling in the period: each month's total, weighed by its overlap."""
    rows = booked_rows(lambda: spend_rows(period, scope), "month", "amount")
    return spend_over_months(summed_by(rows, key=lambda row: (row[0],)), period)


def cac(period: Period, scope: Scope) -> KpiResult:
    """Sales and marketing spend in the period ÷ customers acquired in the period."""
    return cac_of(spend_in(period, scope), acquired_count(period, scope))


def cac_of(spent: Decimal, new: int) -> KpiResult:
    """spent ÷ new (money; None without a new customer), numerator the spend in the
    reporting currency, denominator and extra["new_customers"] the new customers."""
    return KpiResult(
        value=money(spent / new) if new else None,
        numerator=spent,
        denominator=new,
        extra={"new_customers": new},
        money=frozenset({"value", "numerator"}),
        # Spend is booked in the reporting currency.
        currency=reporting_currency(),
    )


def cac_records(period: Period, scope: Scope) -> list[Rows]:
    """numerator: the spend rows, each with its share in the period; denominator: the
    customers acquired."""
    return [
        Rows(
            "spend",
            NUMERATOR,
            spend_rows(period, scope),
            date="month",
            amount="amount",
            share=spend_share(period),
        ),
        Rows("acquired", DENOMINATOR, acquired(period, scope), date="customer_since"),
    ]


def campaign_purchases(period: Period, scope: Scope) -> QuerySet[Purchase]:
    purchases: QuerySet[Purchase] = Purchase.objects.filter(bought_in(period))
    if scope.type == ScopeType.CAMPAIGN:
        return purchases.filter(campaign_id=scope.id)  # type: ignore[misc]  # a campaign scope has an id
    return purchases.filter(campaign__isnull=False)


def campaign_revenue(period: Period, scope: Scope) -> KpiResult:
    total, missing = converted_total(lambda: campaign_purchases(period, scope), on="purchased_at")
    return in_reporting_currency(amount(total), missing)


def campaign_revenue_records(period: Period, scope: Scope) -> list[Rows]:
    return summed_purchases("purchases", campaign_purchases(period, scope))


def campaign_new_customers(period: Period, scope: Scope) -> KpiResult:
    return count(row_count(acquired(period, scope, attributed_only=True)))


def campaign_new_customers_records(period: Period, scope: Scope) -> list[Rows]:
    customers = acquired(period, scope, attributed_only=True)
    return [Rows("acquired", NUMERATOR, customers, date="customer_since")]


def referrals_made(period: Period, scope: Scope) -> QuerySet[Referral]:
    return Referral.objects.filter(
        scope.people_q("referrer__owner"),
        referred_on__gte=period.start,
        referred_on__lt=period.end,
    )


def referrals(period: Period, scope: Scope) -> KpiResult:
    """Referrals made in the period; a rep's are those whose referrer is their contact."""
    return count(row_count(lambda: referrals_made(period, scope)))


def referrals_records(period: Period, scope: Scope) -> list[Rows]:
    return [Rows("referrals", NUMERATOR, referrals_made(period, scope), date="referred_on")]
