"""Customer KPIs: repeat customers, churn, retention and renewal.

Customers at a moment are read from customer spells (`CustomerSpell`, crm.services.spells):
a contact is a customer at a moment when one of their spells began before it and had not
ended before it. Spells of a contact never overlap, so counting spells active at a moment
counts customers. A customer belongs to a rep through the contact's owner.
"""

from typing import Any

from django.db.models import Count, Q, QuerySet

from crm.models import Contact, CustomerSpell, Purchase, Subscription, SubscriptionStatus
from metrics.scopes import Period, Scope

from .base import (
    DENOMINATOR,
    NUMERATOR,
    KpiResult,
    Rows,
    aggregate,
    count,
    first_spell_in,
    group_counts,
    percent,
    spell_active_at,
)


def repeat_buyers(period: Period, scope: Scope) -> QuerySet[Any, Any]:
    """Per customer with two or more purchases before the end: a `contact` row each."""
    purchases: QuerySet[Purchase] = Purchase.objects.all()
    return (
        purchases.filter(scope.people_q("contact__owner"), purchased_at__lt=period.end_at)
        .values("contact")
        .annotate(n=Count("id"))
        .order_by()
        .filter(n__gte=2)
    )


def repeat_customers(period: Period, scope: Scope) -> KpiResult:
    """Customers with two or more purchases before the end."""
    return count(group_counts(repeat_buyers(period, scope))["groups"])


def repeat_customers_records(period: Period, scope: Scope) -> list[Rows]:
    buyers = repeat_buyers(period, scope).values("contact")
    return [
        Rows("customers", NUMERATOR, Contact.objects.filter(pk__in=buyers), date="customer_since")
    ]


def spells_in(scope: Scope) -> QuerySet[CustomerSpell]:
    return CustomerSpell.objects.filter(scope.people_q("contact__owner"))


def at_start(period: Period) -> Q:
    """Spells under way at the start: the customers the period begins with."""
    return spell_active_at(period.start_at)


def lost(period: Period) -> Q:
    """Of the spells under way at the start, those that ended (churned) before the end."""
    return spell_active_at(period.start_at) & Q(ended_at__lt=period.end_at)


def customer_counts(period: Period, scope: Scope) -> dict[str, Any]:
    """Spell counts of the period: `at_start`, `lost` (of those at the start, churned before
    the end), `at_end`, `new_customers` (first spell began in the period)."""
    return aggregate(
        spells_in(scope),
        at_start=Count("id", filter=at_start(period)),
        lost=Count("id", filter=lost(period)),
        at_end=Count("id", filter=spell_active_at(period.end_at)),
        new_customers=Count("id", filter=first_spell_in(period)),
    )


def _customer_extra(totals: dict[str, Any]) -> dict[str, Any]:
    return {
        "customers_at_start": totals["at_start"],
        "customers_lost": totals["lost"],
        "customers_at_end": totals["at_end"],
        "new_customers": totals["new_customers"],
    }


def churn_rate(period: Period, scope: Scope) -> KpiResult:
    """Customers lost among those at the start ÷ customers at the start (in %).

    numerator = customers whose spell under way at the start ended (churned) before the end;
    denominator = customers at the start. A later re-activation opens a new spell and does
    not undo the loss; customers who joined and left inside the period are not in the base
    (the rate stays within 0-100 %). Source: PRODUCT.md §4 (churn rate).
    """
    totals = customer_counts(period, scope)
    result = percent(totals["lost"], totals["at_start"])
    result.extra = _customer_extra(totals)
    return result


def churn_rate_records(period: Period, scope: Scope) -> list[Rows]:
    spells = spells_in(scope)
    return [
        Rows("lost", NUMERATOR, spells.filter(lost(period)), date="ended_at"),
        Rows("at_start", DENOMINATOR, spells.filter(at_start(period)), date="started_at"),
    ]


def retention_rate(period: Period, scope: Scope) -> KpiResult:
    """Retention of starting customers: those at the start still customers, without a
    churn in between, at the end ÷ customers at the start (in %); 100 % - churn rate.

    New customers of the period (`extra.new_customers`) are not in it.
    """
    totals = customer_counts(period, scope)
    result = percent(totals["at_start"] - totals["lost"], totals["at_start"])
    result.extra = _customer_extra(totals)
    return result


def retention_rate_records(period: Period, scope: Scope) -> list[Rows]:
    """Retained: the spells at the start not ended before the end (at start - lost)."""
    at_start_spells = spells_in(scope).filter(at_start(period))
    return [
        Rows(
            "retained",
            NUMERATOR,
            at_start_spells.exclude(ended_at__lt=period.end_at),
            date="started_at",
        ),
        Rows("at_start", DENOMINATOR, at_start_spells, date="started_at"),
    ]


RENEWED = Q(status=SubscriptionStatus.RENEWED) | Q(renewed_at__isnull=False)


def renewals_due(period: Period, scope: Scope) -> QuerySet[Subscription]:
    return Subscription.objects.filter(
        scope.people_q("contact__owner"),
        renewal_due__gte=period.start,
        renewal_due__lt=period.end,
    )


def renewal_rate(period: Period, scope: Scope) -> KpiResult:
    """Subscriptions renewed ÷ subscriptions whose renewal fell due in the period."""
    totals = aggregate(
        lambda: renewals_due(period, scope), due=Count("id"), renewed=Count("id", filter=RENEWED)
    )
    return percent(totals["renewed"], totals["due"])


def renewal_rate_records(period: Period, scope: Scope) -> list[Rows]:
    due = renewals_due(period, scope)
    return [
        Rows("renewed", NUMERATOR, due.filter(RENEWED), date="renewal_due"),
        Rows("due", DENOMINATOR, due, date="renewal_due"),
    ]
