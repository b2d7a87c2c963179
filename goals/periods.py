"""Calendar arithmetic for quotas and goal templates (months, quarters, years)."""

from datetime import date, timedelta

from crm.limits import MAX_DATE, MIN_DATE

# Dates outside these years are typos (0001-01-01, 9999-12-31), and the arithmetic on
# them (a year of history before the start, the day after the deadline, the next quarter)
# would step outside what `date` can hold.
EARLIEST, LATEST = MIN_DATE, MAX_DATE


def in_supported_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def month_start(day: date) -> date:
    return day.replace(day=1)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """[start, end) of the month or quarter containing `day`."""
    if period == "quarter":
        start = quarter_start(day)
        return start, add_months(start, 3)
    start = month_start(day)
    return start, add_months(start, 1)


def end_of_next_quarter(day: date) -> date:
    """The last day of the quarter after the one containing `day`."""
    return add_months(quarter_start(day), 6) - timedelta(days=1)


def end_of_year(day: date) -> date:
    return date(day.year, 12, 31)
