"""Demo hook (`manage.py seed_demo`): a year of KPI snapshots so charts have history.

Daily for the last 30 days and weekly before that: a point a week is all a year's chart
needs. It runs only while the database has no snapshots, so a second `make run` skips it.
`make run` hands it to the worker it starts next (`in_worker`): the year takes half a
minute or more, and the site can serve meanwhile while the charts fill in.
"""

from datetime import date, timedelta

from django.utils import timezone
from tqdm import tqdm

from crm.services.after_commit import enqueue_now
from metrics import registry
from metrics.models import KpiSnapshot
from metrics.services import backfill_days, snapshot_history
from metrics.tasks import kpi_history_task

DEMO_HISTORY_DAYS = 365
DEMO_DAILY_RECENT_DAYS = 30


def demo_history_days() -> list[date]:
    """The days the demo snapshots: the year up to yesterday, daily for its last 30 days."""
    last = timezone.localdate() - timedelta(days=1)
    first = last - timedelta(days=DEMO_HISTORY_DAYS - 1)
    return backfill_days(first, last, daily_recent_days=DEMO_DAILY_RECENT_DAYS)


def seed_demo(*, stdout=None, in_worker: bool = False, **kwargs) -> None:
    if KpiSnapshot.objects.exists():
        return
    days = demo_history_days()
    # A broker that refuses the task (none running) leaves the work to this process.
    if in_worker and enqueue_now(kpi_history_task, [day.isoformat() for day in days]):
        if stdout is not None:
            stdout.write(
                f"KPI history of {len(days)} days handed to the worker: the dashboard's "
                "charts fill in within a minute or two."
            )
        return
    bar = tqdm(
        total=len(registry.KPIS),
        desc=f"KPI history, {len(days)} days",
        unit="KPI",
        disable=stdout is None,
    )

    def advance(key: str) -> None:
        bar.set_postfix_str(key)
        bar.update()

    with bar:
        snapshot_history(days, progress=advance)
