"""Demo hooks (`manage.py seed_demo`): quotas, the seeds' four goals and a rep's goal.

Quotas come first (`seed_demo_first`, before the metrics hook backfills the KPI history),
so the seeded `quota_attainment` snapshots measure them. Goals come after the metrics
hook, so baselines come from the demo's KPI history. Idempotent: nothing is added while
quotas (or goals) exist.
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
from metrics.demo import DEMO_HISTORY_DAYS
from metrics.services import snapshot_window_days

MONTHLY_REP_QUOTA = Decimal("15000")


def _quotas(manager, reps) -> None:
    """A monthly quota per rep from the month of the first window the metrics hook
    measures (a year of days, each the last of a trailing window) through this month, so
    every seeded `quota_attainment` snapshot has a quota to measure."""
    today = timezone.localdate()
    start, _ = period_bounds(
        "month", today - timedelta(days=DEMO_HISTORY_DAYS + snapshot_window_days())
    )
    while start <= today:
        for rep in reps:
            quota_create(
                actor=manager, period="month", start=start, amount=MONTHLY_REP_QUOTA, owner=rep
            )
        start = period_bounds("month", start)[1]


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
        template = get_template(key)
        assert template is not None, key  # DEMO_GOALS names catalogue templates
        data = template.initial(today=today)
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
    target = (
        Decimal("70") if win_rate is None or win_rate < 60 else min(win_rate + 10, Decimal(100))
    )
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


def _reps(users) -> list:
    return [users[name] for name in ("rep1", "rep2", "rep3")]


def seed_demo_first(*, users, **kwargs) -> None:
    if not Quota.objects.exists():
        _quotas(users["manager"], _reps(users))


def seed_demo(*, users, **kwargs) -> None:
    if not Goal.objects.exists():
        _goals(users["manager"], _reps(users)[0])
