"""Demo hook (`manage.py seed_demo`): the seeds' four goals, a rep's goal and quotas.

Runs after the metrics hook, so baselines come from the demo's KPI history. Idempotent:
nothing is added while goals (or quotas) exist.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from goals import kpi_source
from goals.models import Goal, Quota, ScopeType
from goals.periods import period_bounds
from goals.services import goal_create, quota_create
from goals.templates_catalog import get_template

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


# The seeds' four goals, started two months ago so the demo shows progress against
# the expected path: (template key, title, target as a multiple of the baseline). Titles
# are translated into the demo's language when the goal is created.
DEMO_GOALS = (
    ("reduce_churn", _("Cut churn by 25 %"), Decimal("0.75")),
    ("shorten_sales_cycle", _("Halve the sales cycle"), Decimal("0.5")),
    ("grow_new_revenue", _("Grow new revenue by 50 %"), Decimal("1.5")),
    ("lower_cac", _("Lower CAC by 30 %"), Decimal("0.7")),
)
DEMO_GOALS_STARTED_DAYS_AGO = 60


def _goals(manager, rep) -> None:
    today = timezone.localdate()
    start = today - timedelta(days=DEMO_GOALS_STARTED_DAYS_AGO)
    for key, title, factor in DEMO_GOALS:
        data = get_template(key).initial(today=today)
        baseline = kpi_source.baseline_at(data["kpi"], ScopeType.COMPANY, None, start)
        if not baseline:
            continue  # the demo KPI has no value to start from
        data.update(
            title=gettext(title),
            start_date=start,
            deadline=max(data["deadline"], today + timedelta(days=90)),
            baseline=baseline,
            target=(baseline * factor).quantize(Decimal("0.01")),
        )
        goal_create(actor=manager, today=today, **data)
    # The rep's win rate at the start (computed live) must be below the target: a goal
    # that lowers a win rate is refused.
    win_rate = kpi_source.baseline_at("win_rate", ScopeType.REP, rep.pk, start)
    target = Decimal("70") if win_rate is None or win_rate < 60 else min(win_rate + 10, 100)
    if win_rate is not None and target <= win_rate:
        return
    goal_create(
        actor=manager,
        title=gettext("Win more of the deals I close"),
        plan=gettext("Qualify harder in Needs analysis and send proposals within two days."),
        resources=gettext("Weekly pipeline review with the manager."),
        kpi="win_rate",
        objective="sell_more",
        scope_type=ScopeType.REP,
        scope_id=rep.pk,
        start_date=start,
        deadline=start + timedelta(days=150),
        target=target,
    )


def seed_demo(*, users, **kwargs) -> None:
    manager = users["manager"]
    reps = [users[name] for name in ("rep1", "rep2", "rep3")]
    if not Quota.objects.exists():
        _quotas(manager, reps)
    if not Goal.objects.exists():
        _goals(manager, reps[0])
