"""Where a goal stands: progress, expected progress, status and projection.

Pure functions over a goal's numbers and its KPI snapshot series, so the nightly
recompute, the pages and the API all read a goal the same way.

Definitions (percent points, 100 = target reached):

- progress = (current - baseline) / (target - baseline) * 100, where current is the
  latest snapshot on or before the evaluation day;
- expected progress grows linearly from 0 on the start date to 100 on the deadline;
- status:
  * ``achieved``  current has reached the target (≥ target when raising the KPI,
    ≤ target when lowering it);
  * ``missed``    the deadline has passed and the target was not reached;
  * ``on_track``  progress ≥ expected - 10 points;
  * ``at_risk``   progress ≥ expected - 25 points;
  * ``off_track`` further behind than that;
  * ``too_early`` before the deadline, while the KPI's snapshots are fewer than
    ``MIN_POINTS`` or span less than ``MIN_SPAN_DAYS`` days: three days of data say
    nothing about where a KPI is heading;
  * ``""``        no snapshot yet, nothing to judge.
- projection: least-squares line through the recent snapshots (at most
  ``TREND_POINTS`` values within ``TREND_DAYS`` days), read at the deadline and held
  within the KPI's natural range (``bounds``: 0-100 for a percentage, ≥ 0 for money,
  counts and durations); none while it is too early to tell.

After the deadline the reading uses snapshots up to the day after it: the nightly
snapshot of the deadline day is taken the next morning, later ones do not count.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ON_TRACK_SLACK = 10.0
AT_RISK_SLACK = 25.0
TREND_DAYS = 90
TREND_POINTS = 90
# The least history (points and the days they span) a status or projection needs.
MIN_POINTS = 4
MIN_SPAN_DAYS = 14
FOUR_PLACES = Decimal("0.0001")
TOO_EARLY = "too_early"

Series = Sequence[tuple[date, Decimal | float | None]]


@dataclass(frozen=True)
class Reading:
    current_value: Decimal | None
    progress: float | None
    expected_progress: float
    status: str
    projection: Decimal | None


def evaluation_day(*, today: date, deadline: date) -> date:
    return min(today, deadline + timedelta(days=1))


def expected_progress(*, start_date: date, deadline: date, today: date) -> float:
    total = (deadline - start_date).days
    elapsed = (today - start_date).days
    return round(max(0.0, min(1.0, elapsed / total)) * 100, 2)


def progress_of(*, baseline: Decimal, target: Decimal, current: Decimal) -> float:
    return round(float((current - baseline) / (target - baseline)) * 100, 2)


def reached(*, baseline: Decimal, target: Decimal, current: Decimal) -> bool:
    return current >= target if target > baseline else current <= target


def status_of(*, progress: float, expected: float, is_reached: bool, deadline_passed: bool) -> str:
    if is_reached:
        return "achieved"
    if deadline_passed:
        return "missed"
    gap = expected - progress
    if gap <= ON_TRACK_SLACK:
        return "on_track"
    if gap <= AT_RISK_SLACK:
        return "at_risk"
    return "off_track"


def clean_series(series: Series, *, until: date) -> list[tuple[date, Decimal]]:
    """Known values on or before `until`, oldest first."""
    points = [(day, Decimal(str(value))) for day, value in series if value is not None]
    return sorted((p for p in points if p[0] <= until), key=lambda p: p[0])


Bounds = tuple[Decimal | None, Decimal | None]


def recent_points(points: list[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    """The points a trend is fitted on: at most TREND_POINTS within TREND_DAYS of the last."""
    if not points:
        return []
    horizon = points[-1][0] - timedelta(days=TREND_DAYS)
    return [p for p in points if p[0] > horizon][-TREND_POINTS:]


def enough_history(points: list[tuple[date, Decimal]]) -> bool:
    """At least MIN_POINTS known points spanning at least MIN_SPAN_DAYS days."""
    return len(points) >= MIN_POINTS and (points[-1][0] - points[0][0]).days >= MIN_SPAN_DAYS


def bounded(value: Decimal, bounds: Bounds) -> Decimal:
    low, high = bounds
    if low is not None and value < low:
        return Decimal(low)
    if high is not None and value > high:
        return Decimal(high)
    return value


def project(
    points: list[tuple[date, Decimal]], *, at: date, bounds: Bounds = (None, None)
) -> Decimal | None:
    """Ordinary least squares over the recent points, evaluated at `at`, held in `bounds`."""
    recent = recent_points(points)
    if not recent:
        return None
    xs = [float(day.toordinal()) for day, _value in recent]
    ys = [float(value) for _day, value in recent]
    n = len(recent)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:  # one day of data: no trend to extend
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    value = mean_y + slope * (at.toordinal() - mean_x)
    return bounded(Decimal(str(value)), bounds).quantize(FOUR_PLACES)


def evaluate(
    *,
    baseline: Decimal,
    target: Decimal,
    start_date: date,
    deadline: date,
    series: Series,
    today: date,
    bounds: Bounds = (None, None),
    history_known: bool | None = None,
) -> Reading:
    """The reading of a goal on `today`; `bounds` is the KPI's natural range.

    `history_known` overrides the minimum-history check (a list row that has only the
    latest value passes what the full recompute found).
    """
    day = evaluation_day(today=today, deadline=deadline)
    points = clean_series(series, until=day)
    expected = expected_progress(start_date=start_date, deadline=deadline, today=today)
    if not points:
        return Reading(None, None, expected, "", None)
    current = points[-1][1]
    progress = progress_of(baseline=baseline, target=target, current=current)
    deadline_passed = today > deadline
    enough = enough_history(points) if history_known is None else history_known
    if not enough and not deadline_passed:
        return Reading(current.quantize(FOUR_PLACES), progress, expected, TOO_EARLY, None)
    status = status_of(
        progress=progress,
        expected=expected,
        is_reached=reached(baseline=baseline, target=target, current=current),
        deadline_passed=deadline_passed,
    )
    projection = project(points, at=deadline, bounds=bounds) if enough else None
    return Reading(current.quantize(FOUR_PLACES), progress, expected, status, projection)


def rollup(progresses: Sequence[float | None]) -> float | None:
    """Mean progress of the children that have a reading."""
    known = [p for p in progresses if p is not None]
    return round(sum(known) / len(known), 2) if known else None
