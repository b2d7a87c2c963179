"""Factories for goals and the KPI snapshots they read."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from crm.tests.factories import UserFactory
from goals.models import Goal, Objective, Quota, QuotaPeriod, ScopeType
from goals.periods import period_bounds
from metrics.models import KpiSnapshot

METRICS_SCOPE = {"rep": "owner"}


class GoalFactory(factory.django.DjangoModelFactory):
    """Rows written directly; behaviour tests go through goals.services."""

    class Meta:
        model = Goal

    title = factory.Sequence(lambda n: f"Goal {n}")
    plan = "Call every renewal a month ahead."
    kpi = "churn_rate"
    scope_type = ScopeType.COMPANY
    scope_id = None
    baseline = Decimal("8")
    target = Decimal("6")
    resources = "Two account managers."
    objective = Objective.RETENTION
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    owner = factory.SubFactory(UserFactory)


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota

    period = QuotaPeriod.MONTH
    start = factory.LazyFunction(lambda: period_bounds("month", timezone.localdate())[0])
    end = factory.LazyAttribute(lambda q: period_bounds(q.period, q.start)[1])
    amount = Decimal("10000.00")


def snapshot(kpi: str, day: date, value, *, scope_type="company", scope_id=None):
    return KpiSnapshot.objects.create(
        kpi=kpi,
        scope_type=METRICS_SCOPE.get(scope_type, scope_type),
        scope_id=scope_id or 0,
        date=day,
        value=None if value is None else Decimal(str(value)),
    )
