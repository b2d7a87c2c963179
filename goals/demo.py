"""Demo hook (`manage.py seed_demo`): the seeds' four goals, a rep's goal and quotas.

Runs after the metrics hook, so baselines come from the demo's KPI history. Idempotent:
nothing is added while goals (or quotas) exist.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from goals.models import Goal, Quota, ScopeType
from goals.periods import period_bounds
from goals.services import goal_create, quota_create
from goals.templates_catalog import TEMPLATES

MONTHLY_REP_QUOTA = Decimal("15000")
QUOTA_MONTHS = 12


def _quotas(manager, reps) -> None:
    today = timezone.localdate()
    month_start, _ = period_bounds("month", today)
    for months_back in range(QUOTA_MONTHS):
        start = month_start
        for _step in range(months_back):
            start = (start - timedelta(days=1)).replace(day=1)
        for rep in reps:
            quota_create(
                actor=manager, period="month", start=start, amount=MONTHLY_REP_QUOTA, owner=rep
            )


def _goals(manager, rep) -> None:
    today = timezone.localdate()
    for template in TEMPLATES:
        data = template.initial(today=today)
        if data["baseline"] is None or data["target"] is None:
            continue  # the demo KPI has no value to start from
        goal_create(actor=manager, **data)
    start = today - timedelta(days=30)
    goal_create(
        actor=manager,
        title="Win more of the deals I close",
        plan="Qualify harder in Needs analysis and send proposals within two days.",
        resources="Weekly pipeline review with the manager.",
        kpi="win_rate",
        objective="sell_more",
        scope_type=ScopeType.REP,
        scope_id=rep.pk,
        start_date=start,
        deadline=start + timedelta(days=120),
        target=Decimal("60"),
    )


def seed_demo(*, users, **kwargs) -> None:
    manager = users["manager"]
    reps = [users[name] for name in ("rep1", "rep2", "rep3")]
    if not Quota.objects.exists():
        _quotas(manager, reps)
    if not Goal.objects.exists():
        _goals(manager, reps[0])
