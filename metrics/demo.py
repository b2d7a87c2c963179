"""Demo hook (`manage.py seed_demo`): a year of KPI snapshots so charts have history.

Daily for the last 30 days and weekly before that: a point a week is all a year's chart
needs. It runs only while the database has no snapshots, so a second `make run` skips it.
"""

from datetime import timedelta

from django.utils import timezone
from tqdm import tqdm

from metrics import registry
from metrics.models import KpiSnapshot
from metrics.services import backfill_days, snapshot_history

DEMO_HISTORY_DAYS = 365
DEMO_DAILY_RECENT_DAYS = 30


def seed_demo(*, stdout=None, **kwargs) -> None:
    if KpiSnapshot.objects.exists():
        return
    last = timezone.localdate() - timedelta(days=1)
    first = last - timedelta(days=DEMO_HISTORY_DAYS - 1)
    days = backfill_days(first, last, daily_recent_days=DEMO_DAILY_RECENT_DAYS)
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
