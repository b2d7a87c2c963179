"""Demo hook (`manage.py seed_demo`): a year of KPI snapshots so charts have history.

Daily for the last 30 days and weekly before that: a point a week is all a year's chart
needs. It runs only while the database has no snapshots, so a second `make run` skips it.
"""

from datetime import timedelta

from django.utils import timezone
from tqdm import tqdm

from metrics.models import KpiSnapshot
from metrics.services import backfill_days, snapshot_day, snapshot_scopes

DEMO_HISTORY_DAYS = 365
DEMO_DAILY_RECENT_DAYS = 30


def seed_demo(*, stdout=None, **kwargs) -> None:
    if KpiSnapshot.objects.exists():
        return
    last = timezone.localdate() - timedelta(days=1)
    first = last - timedelta(days=DEMO_HISTORY_DAYS - 1)
    scopes = snapshot_scopes()
    days = backfill_days(first, last, daily_recent_days=DEMO_DAILY_RECENT_DAYS)
    for day in tqdm(days, desc="KPI history", unit="day", disable=stdout is None):
        snapshot_day(day, scopes=scopes)
