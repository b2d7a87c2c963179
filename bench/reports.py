"""Growth of the sales-performance report at 1,000 / 10,000 / 50,000 deals.

Ten reps own the deals, created over two years, a third closed (40 % of those won) and in
three currencies, and work a lead per five deals with ten done calls or emails each; the
quarter under report holds about an eighth of them. Prints the
median of three runs of `metrics.reports.sales_performance` at each size, its query
count, and the growth from 10,000 to 50,000 deals (5x the rows: a linear report grows about
5x, the quadratic one this replaced grew 20x). Goal (issue 20): < 200 ms at 50,000.

    python -m bench.reports
"""

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random

from bench._setup import setup

setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from crm import models as m  # noqa: E402
from metrics.models import ExchangeRate  # noqa: E402
from metrics.reports import sales_performance  # noqa: E402
from metrics.scopes import Period  # noqa: E402

SIZES = (1_000, 10_000, 50_000)
PERIOD = Period(date(2025, 4, 1), date(2025, 7, 1))
FIRST = datetime(2024, 1, 1, tzinfo=UTC)
rng = Random(7)


def _world():
    reps = [
        m.User.objects.create(username=f"bench-rep-{i}", role=m.Role.REP, first_name=f"Rep {i}")
        for i in range(10)
    ]
    pipeline = m.Pipeline.objects.create(name="Bench", is_default=True)
    stages = [
        m.Stage.objects.create(pipeline=pipeline, name=f"S{i}", position=i, win_probability=20 * i)
        for i in range(5)
    ]
    for code in ("EUR", "TRY"):
        ExchangeRate.objects.create(currency=code, rate=Decimal("1.1"), valid_from=date(2020, 1, 1))
    return reps, pipeline, stages


def _add_deals(count, reps, pipeline, stages):
    rows = []
    for _ in range(count):
        created = FIRST + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        closed = rng.random() < 1 / 3
        rows.append(
            m.Deal(
                title="Bench deal",
                value=Decimal(rng.randrange(100, 100_000)),
                currency=rng.choice(("USD", "EUR", "TRY")),
                pipeline=pipeline,
                stage=rng.choice(stages),
                owner=rng.choice(reps),
                status=(m.DealStatus.WON if rng.random() < 0.4 else m.DealStatus.LOST)
                if closed
                else m.DealStatus.OPEN,
                created_at=created,
                closed_at=created + timedelta(days=rng.randrange(1, 120)) if closed else None,
            )
        )
    m.Deal.objects.bulk_create(rows, batch_size=5_000)
    # Reps work leads too: a lead per five deals, two done calls or emails per deal.
    contacts = m.Contact.objects.bulk_create(
        [m.Contact(first_name="Bench", last_name=str(i)) for i in range(count // 5)]
    )
    leads = m.Lead.objects.bulk_create(
        [m.Lead(contact=c, owner=rng.choice(reps)) for c in contacts], batch_size=5_000
    )
    m.Activity.objects.bulk_create(
        [
            m.Activity(
                kind=rng.choice((m.ActivityKind.CALL, m.ActivityKind.EMAIL)),
                subject="Bench",
                lead=lead,
                assignee=lead.owner,
                done_at=FIRST + timedelta(seconds=rng.randrange(2 * 365 * 86400)),
            )
            for lead in leads
            for _ in range(10)
        ],
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_deal; ANALYZE crm_activity; ANALYZE crm_lead")


def _median_ms(function, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    reps, pipeline, stages = _world()
    have, medians = 0, {}
    for size in SIZES:
        _add_deals(size - have, reps, pipeline, stages)
        have = size
        with CaptureQueriesContext(connection) as queries:
            sales_performance(PERIOD)
        medians[size] = _median_ms(lambda: sales_performance(PERIOD))
        print(
            f"sales performance report, {size:,} deals: {medians[size]:.1f} ms, "
            f"{len(queries)} queries",
            flush=True,
        )
    growth = medians[SIZES[-1]] / medians[SIZES[-2]]
    print(f"sales performance report, growth 10k -> 50k deals (5x rows): {growth:.1f}x")
    print(f"sales performance report, 50k deals vs goal 200 ms: {medians[SIZES[-1]] / 200:.2f}")


if __name__ == "__main__":
    main()
