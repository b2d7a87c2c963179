"""Customer KPIs: repeat customers, churn, retention and renewal.

Customers at a moment are `Contact.objects.customers_at(moment)`: customer_since before
it and not churned before it. A customer belongs to a rep through the contact's owner.
"""

from django.db.models import Count, Q

from crm.models import Contact, Purchase, Subscription, SubscriptionStatus
from metrics.scopes import Period, Scope

from .base import KpiResult, aggregate, count, percent


def repeat_customers(period: Period, scope: Scope) -> KpiResult:
    """Customers with two or more purchases before the end (`buyers`: with at least one)."""
    per_buyer = (
        Purchase.objects.filter(scope.people_q("contact__owner"), purchased_at__lt=period.end_at)
        .values("contact")
        .annotate(n=Count("id"))
        .order_by()
    )
    return count(per_buyer.filter(n__gte=2).count())


def _customer_at(moment) -> Q:
    return Q(customer_since__lt=moment) & (Q(churned_at__isnull=True) | Q(churned_at__gte=moment))


def _customer_counts(period: Period, scope: Scope) -> dict:
    start, end = period.start_at, period.end_at
    return aggregate(
        Contact.objects.filter(scope.people_q("owner")),
        at_start=Count("id", filter=_customer_at(start)),
        lost=Count("id", filter=_customer_at(start) & Q(churned_at__lt=end)),
        at_end=Count("id", filter=_customer_at(end)),
        new=Count("id", filter=_customer_at(end) & Q(customer_since__gte=start)),
    )


def churn_rate(period: Period, scope: Scope) -> KpiResult:
    """Customers at the start who churned in the period ÷ customers at the start.

    Customers who joined and left inside the period are not in the base, so they are not
    counted as lost either (the rate stays within 0-100 %).
    """
    totals = _customer_counts(period, scope)
    return percent(totals["lost"], totals["at_start"])


def retention_rate(period: Period, scope: Scope) -> KpiResult:
    """(Customers at the end - new customers still there at the end) ÷ customers at the start."""
    totals = _customer_counts(period, scope)
    result = percent(totals["at_end"] - totals["new"], totals["at_start"])
    result.extra = {"customers_at_end": totals["at_end"], "new_customers": totals["new"]}
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
