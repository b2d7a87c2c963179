"""Revenue KPIs: new and net new revenue, customer lifetime value, upsell and cross-sell.

A purchase belongs to the rep of the deal it came from, or, without a deal, to the
customer's owner; to a pipeline through its deal; to a campaign through its attribution.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
)

from crm.models import Contact, CustomerSpell, Deal, DealKind, DealStatus, Purchase
from metrics.currency import reporting_currency, unconverted
from metrics.scopes import Period, Scope, ScopeType

from .base import (
    DENOMINATOR,
    NUMERATOR,
    KpiResult,
    Rows,
    aggregate,
    amount,
    converted_total,
    first_spell_in,
    group_counts,
    in_reporting_currency,
    missing_of,
    money,
    money_aggregates,
    percent,
    rounded,
)
from .customers import churn_rate

DAYS_PER_YEAR = Decimal("365.25")
CLV_FORMULA = (
    "average_purchase_value × purchase_frequency × lifespan_years; "
    "lifespan_years = 1 ÷ annual churn rate"
)


class AddMonths(Func):
    """`timestamp + N calendar months` in SQL."""

    output_field = DateTimeField()

    def __init__(self, expression: Any, months: int) -> None:
        self.months = int(months)
        super().__init__(expression)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + make_interval(months => %s))", [*params, self.months]


def purchases_in(scope: Scope) -> QuerySet[Purchase]:
    purchases: QuerySet[Purchase] = Purchase.objects.all()
    if scope.type == ScopeType.PIPELINE:
        return purchases.filter(deal__pipeline_id=scope.id)  # type: ignore[misc]  # a pipeline scope has an id
    if scope.type == ScopeType.CAMPAIGN:
        return purchases.filter(campaign_id=scope.id)  # type: ignore[misc]  # a campaign scope has an id
    if scope.type == ScopeType.COMPANY:
        return purchases
    return purchases.filter(
        scope.people_q("deal__owner") | (Q(deal__isnull=True) & scope.people_q("contact__owner"))
    )


def bought_in(period: Period) -> Q:
    return Q(purchased_at__gte=period.start_at, purchased_at__lt=period.end_at)


def new_revenue_purchases(period: Period, scope: Scope) -> QuerySet[Purchase]:
    """Purchases of the period within GOALPOST_NEW_REVENUE_MONTHS of the start of the
    customer's first spell."""
    spell_start = F("contact__customer_spells__started_at")
    return (
        purchases_in(scope)
        .filter(bought_in(period))
        .filter(
            contact__customer_spells__first=True,
            purchased_at__gte=spell_start,
            purchased_at__lt=AddMonths(spell_start, settings.GOALPOST_NEW_REVENUE_MONTHS),
        )
    )


def new_revenue(period: Period, scope: Scope) -> KpiResult:
    """Revenue from customers within GOALPOST_NEW_REVENUE_MONTHS of becoming customers.

    Becoming a customer is the start of the contact's first customer spell (the earliest
    purchase, whatever the order purchases were recorded in); a re-activation is not new.
    """
    total, missing = converted_total(new_revenue_purchases(period, scope), on="purchased_at")
    result = amount(total)
    result.extra = {"months": settings.GOALPOST_NEW_REVENUE_MONTHS}
    return in_reporting_currency(result, missing)


def summed_purchases(key: str, purchases: QuerySet[Purchase]) -> list[Rows]:
    """The purchases a revenue KPI sums, each at the rate of its purchase day."""
    return [
        Rows(
            key,
            NUMERATOR,
            purchases,
            date="purchased_at",
            amount="amount",
            currency="currency",
            on="purchased_at",
        )
    ]


def new_revenue_records(period: Period, scope: Scope) -> list[Rows]:
    return summed_purchases("purchases", new_revenue_purchases(period, scope))


def net_new_revenue_purchases(period: Period, scope: Scope) -> QuerySet[Purchase]:
    """Purchases of the period by its new customers (first customer spell began in it).

    A join through the contact to its spells, not a subquery of first spells: the period
    bounds stay one level deep, so a history run (metrics.history) computes every window
    in one statement.
    """
    return (
        purchases_in(scope)
        .filter(bought_in(period))
        .filter(first_spell_in(period, prefix="contact__customer_spells__"))
    )


def net_new_revenue(period: Period, scope: Scope) -> KpiResult:
    """Revenue in the period from its new customers (first customer spell began in it)."""
    total, missing = converted_total(net_new_revenue_purchases(period, scope), on="purchased_at")
    return in_reporting_currency(amount(total), missing)


def net_new_revenue_records(period: Period, scope: Scope) -> list[Rows]:
    return summed_purchases("purchases", net_new_revenue_purchases(period, scope))


def customer_lifespan_years(
    year: Period, scope: Scope
) -> tuple[Decimal, str, Decimal | int | None]:
    """Average customer lifespan in years, where it came from, and the annual churn used.

    GOALPOST_CUSTOMER_LIFESPAN_YEARS (from the environment), when set, wins;
    otherwise 1 ÷ the scope's churn rate over `year` (customers lost among those at the
    year's start, metrics.kpis.customers.churn_rate; a pipeline or campaign has no customers
    of its own, so it takes the company's); with no customers at the start or
    none lost, GOALPOST_CUSTOMER_LIFESPAN_FALLBACK_YEARS (3). Returns
    (years, "setting" | "measured" | "default", annual churn in % or None).
    """
    churn = churn_rate(year, scope)
    configured = getattr(settings, "GOALPOST_CUSTOMER_LIFESPAN_YEARS", None)
    if configured:
        return Decimal(str(configured)), "setting", churn.value
    if churn.numerator:
        # 1 ÷ (lost ÷ at start), from the counts rather than the rounded percentage.
        lifespan = Decimal(churn.denominator or 0) / Decimal(churn.numerator)
        return rounded(lifespan), "measured", churn.value
    fallback = getattr(settings, "GOALPOST_CUSTOMER_LIFESPAN_FALLBACK_YEARS", 3)
    return Decimal(str(fallback)), "default", churn.value


def convertible() -> Q:
    """Purchases with a rate to the reporting currency on their day: the ones CLV divides."""
    return ~unconverted("currency", "purchased_at")


def clv_purchases(period: Period, scope: Scope) -> QuerySet[Purchase]:
    """The purchases of the 12 months before the period's end (CLV's yearly window)."""
    return purchases_in(scope).filter(bought_in(period.trailing_year()))


def clv_records(period: Period, scope: Scope) -> list[Rows]:
    """numerator: the year's purchases summed as revenue; denominator: their customers."""
    counted = clv_purchases(period, scope).filter(convertible())
    return [
        *summed_purchases("purchases", counted),
        Rows(
            "customers",
            DENOMINATOR,
            Contact.objects.filter(pk__in=counted.values("contact")),
            date="customer_since",
        ),
    ]


def clv(period: Period, scope: Scope) -> KpiResult:
    """Average purchase value x purchase frequency x lifespan, over the year ending at `end`.

    The formula is defined on yearly figures (purchases per customer per year), so the
    window is always the 12 months before the period's end, whatever its start.
    numerator = that year's revenue, denominator = its unique customers; lifespan in years
    = 1 ÷ the scope's annual churn rate over the same year (`customer_lifespan_years`).
    extra: the formula's parts (average_purchase_value, purchase_frequency, customer_value,
    lifespan_years, lifespan_source, annual_churn_rate, formula).
    """
    year = period.trailing_year()
    bought = clv_purchases(period, scope)
    totals = aggregate(
        bought,
        **money_aggregates(on="purchased_at"),
        purchases=Count("id", filter=convertible()),
        customers=Count("contact", distinct=True, filter=convertible()),
    )
    revenue, purchases, customers = (
        money(totals["total"]),
        totals["purchases"],
        totals["customers"],
    )
    lifespan, source, churn = customer_lifespan_years(year, scope)
    extra = {
        "formula": CLV_FORMULA,
        "lifespan_years": lifespan,
        "lifespan_source": source,
        "annual_churn_rate": churn,
        "window_start": year.start,
    }
    missing = missing_of(totals)
    if missing:
        extra["missing_rates"] = missing
    if not customers:
        return KpiResult(
            value=None,
            numerator=revenue,
            denominator=0,
            extra=extra,
            money=frozenset({"value", "numerator"}),
            currency=reporting_currency(),
        )
    average_purchase = revenue / purchases
    frequency = Decimal(purchases) / customers
    customer_value = revenue / customers
    extra.update(
        average_purchase_value=money(average_purchase),
        purchase_frequency=rounded(frequency),
        customer_value=money(customer_value),
    )
    return KpiResult(
        value=money(customer_value * lifespan),
        numerator=revenue,
        denominator=customers,
        extra=extra,
        money=frozenset({"value", "numerator"}),
        currency=reporting_currency(),
    )


def spells_during(period: Period) -> Q:
    """Customer spells overlapping the period (begun before its end, not ended before its
    start): their contacts were customers at some moment of it."""
    return Q(started_at__lt=period.end_at) & (
        Q(ended_at__isnull=True) | Q(ended_at__gte=period.start_at)
    )


def customers_during(period: Period, scope: Scope) -> QuerySet[Contact]:
    """Contacts who were customers at some moment of the period (a spell overlapping it)."""
    spells = CustomerSpell.objects.filter(spells_during(period), contact=OuterRef("pk"))
    return Contact.objects.filter(scope.people_q("owner")).filter(Exists(spells))


def upsold(period: Period, field: str = "pk") -> Q:
    """Rows whose contact (`field`) has a won upsell deal or a purchase from one in the
    period.

    Two uncorrelated sets of contact ids (PostgreSQL hashes each once) rather than two
    EXISTS per customer row, which cost ~10x at 100,000 contacts (issue 20, bench/kpis.py).
    """
    upsold_deals = Deal.objects.filter(
        kind=DealKind.UPSELL,
        status=DealStatus.WON,
        closed_at__gte=period.start_at,
        closed_at__lt=period.end_at,
        contact__isnull=False,
    ).values("contact")
    upsold_purchases = Purchase.objects.filter(
        bought_in(period), deal__kind=DealKind.UPSELL, contact__isnull=False
    ).values("contact")
    return Q(**{f"{field}__in": upsold_deals}) | Q(**{f"{field}__in": upsold_purchases})


def upsell_rate(period: Period, scope: Scope) -> KpiResult:
    """Customers with a won upsell deal (or a purchase from one) ÷ customers in the period.

    Counted over the spells overlapping the period (distinct contacts: a contact who left
    and came back within it has two), the same customers as `customers_during` without
    reading the wide contact table, which a company-wide figure does not need (~2.5x
    faster at 100,000 contacts, bench/kpis.py).
    """
    spells = CustomerSpell.objects.filter(spells_during(period), scope.people_q("contact__owner"))
    totals = aggregate(
        spells,
        customers=Count("contact", distinct=True),
        upsold=Count("contact", distinct=True, filter=upsold(period, "contact")),
    )
    return percent(totals["upsold"], totals["customers"])


def upsell_rate_records(period: Period, scope: Scope) -> list[Rows]:
    customers = customers_during(period, scope)
    return [
        Rows("upsold", NUMERATOR, customers.filter(upsold(period)), date="customer_since"),
        Rows("customers", DENOMINATOR, customers, date="customer_since"),
    ]


def buyers(period: Period, scope: Scope) -> QuerySet[Any, Any]:
    """Per buyer of the period (a `contact` row each): the product categories bought."""
    return (
        purchases_in(scope)
        .filter(bought_in(period))
        .values("contact")
        .annotate(categories=Count("category", distinct=True, filter=~Q(category="")))
        .order_by()
    )


MULTI_CATEGORY = Q(categories__gte=2)


def cross_sell_rate(period: Period, scope: Scope) -> KpiResult:
    """Customers buying in two or more product categories ÷ customers buying in the period."""
    # MULTI_CATEGORY over the grouped rows, in SQL: both counts from one pass.
    totals = group_counts(buyers(period, scope), multi="categories >= 2")
    return percent(totals["multi"], totals["groups"])


def cross_sell_rate_records(period: Period, scope: Scope) -> list[Rows]:
    per_buyer = buyers(period, scope)
    return [
        Rows(
            "multi_category",
            NUMERATOR,
            Contact.objects.filter(pk__in=per_buyer.filter(MULTI_CATEGORY).values("contact")),
            date="customer_since",
        ),
        Rows(
            "buyers",
            DENOMINATOR,
            Contact.objects.filter(pk__in=per_buyer.values("contact")),
            date="customer_since",
        ),
    ]
