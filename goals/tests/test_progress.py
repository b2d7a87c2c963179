from datetime import date, timedelta
from decimal import Decimal

from goals import progress

START, DEADLINE = date(2025, 1, 1), date(2025, 7, 1)  # 181 days
HALFWAY = START + timedelta(days=90)


def read(series, today, baseline="8", target="6", history=True):
    """The reading of `series`, after three earlier snapshots at the baseline (a status
    needs 4 points over 2 weeks); they lie outside the 90-day trend window."""
    earlier = [(START - timedelta(days=d), baseline) for d in (30, 20, 10)]
    return progress.evaluate(
        baseline=Decimal(baseline),
        target=Decimal(target),
        start_date=START,
        deadline=DEADLINE,
        series=[*earlier, *series] if history and series else series,
        today=today,
    )


def test_churn_from_8_to_6_reading_7_halfway_is_on_track():
    reading = read([(START, 8), (HALFWAY, 7)], HALFWAY)

    assert reading.current_value == Decimal("7.0000")
    assert reading.progress == 50.0
    assert reading.expected_progress == 49.72
    assert reading.status == "on_track"


def test_status_thresholds_at_risk_and_off_track():
    # expected 49.72: progress 25 (gap 24.72) is at risk, 20 (gap 29.72) off track
    assert read([(HALFWAY, "7.5")], HALFWAY).status == "at_risk"
    assert read([(HALFWAY, "7.6")], HALFWAY).status == "off_track"
    # gap of exactly 10 points is still on track
    assert (
        progress.status_of(progress=40.0, expected=50.0, is_reached=False, deadline_passed=False)
        == "on_track"
    )
    assert (
        progress.status_of(progress=25.0, expected=50.0, is_reached=False, deadline_passed=False)
        == "at_risk"
    )


def test_achieved_when_target_reached_even_early_and_missed_after_deadline():
    assert read([(HALFWAY, "5.9")], HALFWAY).status == "achieved"
    after = DEADLINE + timedelta(days=3)
    assert read([(DEADLINE, "6.5")], after).status == "missed"
    assert read([(DEADLINE, "6")], after).status == "achieved"


def test_after_deadline_later_snapshots_do_not_count():
    after = DEADLINE + timedelta(days=10)
    reading = read([(DEADLINE, "6.5"), (DEADLINE + timedelta(days=5), "5")], after)

    assert reading.current_value == Decimal("6.5000")
    assert reading.status == "missed"


def test_raising_goal_progress_and_direction():
    reading = read([(HALFWAY, 150)], HALFWAY, baseline="100", target="200")

    assert reading.progress == 50.0
    assert reading.status == "on_track"
    assert read([(HALFWAY, 210)], HALFWAY, baseline="100", target="200").status == "achieved"


def test_no_snapshot_has_no_status():
    reading = read([], HALFWAY)

    assert reading == progress.Reading(None, None, 49.72, "", None)


def test_projection_is_the_least_squares_line_at_the_deadline():
    # falls 0.01 a day from 8.0: at the deadline (181 days after start) 6.19
    series = [
        (START + timedelta(days=d), Decimal("8") - Decimal("0.01") * d) for d in range(0, 91, 10)
    ]
    assert read(series, HALFWAY).projection == Decimal("6.1900")


def test_projection_uses_only_recent_points_and_needs_two_days():
    old = [(START + timedelta(days=d), Decimal(50)) for d in range(0, 10)]
    recent = [(HALFWAY - timedelta(days=10), Decimal(8)), (HALFWAY, Decimal(7))]
    # the old points are more than TREND_DAYS before the last one and are ignored
    projection = progress.project(
        [(day - timedelta(days=200), v) for day, v in old] + recent, at=DEADLINE
    )
    assert projection == Decimal("-2.1000")
    assert progress.project([(HALFWAY, Decimal(7))], at=DEADLINE) is None


def test_rollup_is_the_mean_of_known_children():
    assert progress.rollup([50.0, 100.0, None]) == 75.0
    assert progress.rollup([None]) is None
