"""Customer KPIs: repeat customers, churn, retention and renewal.

Customers at a moment are read from customer spells (`CustomerSpell`, crm.services.spells):
a contact is a customer at a moment when one of their spells began before it and had not
ended before it. Spells of a contact never overlap, so counting spells active at a moment
counts customers. A customer belongs to a rep through the contact's owner.
"""

from django.db.models import Count, Q

from crm.models import CustomerSpell, Purchase, Subscription, SubscriptionStatus
from metrics.scopes import Period, Scope

from .base import KpiResult, aggregate, count, first_spell_in, percent, spell_active_at


def repeat_customers(period: Period, scope: Scope) -> KpiResult:
    """Customers with two or more purchases before the end (`buyers`: with at least one)."""
    per_buyer = (
        Purchase.objects.filter(scope.people_q("contact__owner"), purchased_at__lt=period.end_at)
        .values("contact")
        .annotate(n=Count("id"))
        .order_by()
    )
    return count(per_buyer.filter(n__gte=2).count())


def customer_counts(period: Period, scope: Scope) -> dict:
    """Spell counts of the period: `at_start`, `lost` (of those at the start, churned before
    the end), `at_end`, `new_customers` (first spell began in the period)."""
    start, end = period.start_at, period.end_at
    return aggregate(
        CustomerSpell.objects.filter(scope.people_q("contact__owner")),
        at_start=Count("id", filter=spell_active_at(start)),
        lost=Count("id", filter=spell_active_at(start) & Q(ended_at__lt=end)),
        at_end=Count("id", filter=spell_active_at(end)),
        new_customers=Count("id", filter=first_spell_in(period)),
    )


def _customer_extra(totals: dict) -> dict:
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


def retention_rate(period: Period, scope: Scope) -> KpiResult:
    """Retention of starting customers: those at the start still customers, without a
    churn in between, at the end ÷ customers at the start (in %); 100 % - churn rate.

    New customers of the period (`extra.new_customers`) are not in it.
    """
    totals = customer_counts(period, scope)
    result = percent(totals["at_start"] - totals["lost"], totals["at_start"])
    result.extra = _customer_extra(totals)
    return result


def renewal_rate(period: Period, scope: Scope) -> KpiResult:
    """Subscriptions renewed ÷ subscriptions whose renewal fell due in the period."""
    totals = aggregate(
        Subscription.objects.filter(
            scope.people_q("contact__owner"),
            renewal_due__gte=period.start,
            renewal_due__lt=period.end,
        ),
        due=Count("id"),
        renewed=Count(
            "id", filter=Q(status=SubscriptionStatus.RENEWED) | Q(renewed_at__isnull=False)
        ),
    )
    return percent(totals["renewed"], totals["due"])
