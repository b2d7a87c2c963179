"""The pipeline board's server time at 50,000 deals in one pipeline, next to an empty board.

Renders GET /pipeline/<id>/ through Django's test client (the full view, templates and
middleware, no network) several times and prints the median and the query count for:
an empty pipeline, the 50,000-deal pipeline as a manager (sees every deal) and as a rep.
The deals are bulk-inserted once and reused by later runs.

    make bench                      # with the other benchmarks
    python -m bench.board           # alone (DATABASE_URL defaults to goalpost_bench)
"""

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench._setup import setup

setup(flush=False)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from crm import models as m  # noqa: E402

DEALS = 50_000
RUNS = 7
BATCH = 5_000
PIPELINE = "Board bench"
EMPTY_PIPELINE = "Board bench (empty)"
SMALL_PIPELINE = "Board bench (120 deals)"
STAGES = ["Qualified", "Needs analysis", "Proposal", "Negotiation", "Contract sent", "Closing"]
rng = random.Random(7)


def load() -> tuple[m.Pipeline, m.Pipeline, m.Pipeline, m.User, m.User]:
    manager, _ = m.User.objects.get_or_create(
        username="board-bench-manager", defaults={"role": m.Role.MANAGER}
    )
    reps = [
        m.User.objects.get_or_create(username=f"board-bench-rep{i}", defaults={"role": m.Role.REP})[
            0
        ]
        for i in range(20)
    ]
    empty, _ = m.Pipeline.objects.get_or_create(name=EMPTY_PIPELINE)
    for i, name in enumerate(STAGES):
        m.Stage.objects.get_or_create(pipeline=empty, name=name, defaults={"position": i})
    # As many cards as the big board shows (20 per column), so the two differ only in
    # the number of deals behind them.
    small, created = m.Pipeline.objects.get_or_create(name=SMALL_PIPELINE)
    if created:
        small_stages = [
            m.Stage.objects.create(pipeline=small, name=name, position=i)
            for i, name in enumerate(STAGES)
        ]
        now = datetime.now(UTC)
        m.Deal.objects.bulk_create(
            m.Deal(
                title=f"Small deal {i}",
                value=Decimal(1000),
                pipeline=small,
                stage=small_stages[i % len(STAGES)],
                owner=reps[i % len(reps)],
                created_at=now,
                stage_entered_at=now,
            )
            for i in range(20 * len(STAGES))
        )
    pipeline, _ = m.Pipeline.objects.get_or_create(name=PIPELINE)
    stages = [
        m.Stage.objects.get_or_create(
            pipeline=pipeline, name=name, defaults={"position": i, "rotting_days": 21}
        )[0]
        for i, name in enumerate(STAGES)
    ]
    have = m.Deal.objects.filter(pipeline=pipeline).count()
    if have < DEALS:
        started = time.perf_counter()
        contacts = m.Contact.objects.bulk_create(
            [m.Contact(first_name=f"Board{i}", last_name="Bench") for i in range(2_000)]
        )
        now = datetime.now(UTC)
        rows = []
        for i in range(have, DEALS):
            created = now - timedelta(days=rng.randrange(1, 400))
            rows.append(
                m.Deal(
                    title=f"Bench deal {i}",
                    value=Decimal(rng.randrange(100, 50_000)),
                    pipeline=pipeline,
                    stage=stages[rng.randrange(len(stages))],
                    owner=reps[i % len(reps)],
                    contact=contacts[i % len(contacts)],
                    created_at=created,
                    stage_entered_at=created + timedelta(days=rng.randrange(0, 30)),
                )
            )
            if len(rows) == BATCH:
                m.Deal.objects.bulk_create(rows)
                rows = []
        m.Deal.objects.bulk_create(rows)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE crm_deal")
        print(f"loaded {DEALS - have:,} deals in {time.perf_counter() - started:.1f} s")
    return pipeline, small, empty, manager, reps[0]


def measure(client: Client, url: str) -> tuple[float, int, float, float]:
    """Median server time, query count, database time and the slowest query (ms)."""
    client.get(url)  # warm caches (templates, connection)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    db_times = []
    for _ in range(3):
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            client.get(url)
        db_times.append(timer.times)
    db = min(db_times, key=sum)
    return statistics.median(times), len(db), sum(db), max(db, default=0.0)


class QueryTimer:
    """An execute wrapper noting each query's time in ms (CaptureQueriesContext rounds
    to whole milliseconds)."""

    def __init__(self):
        self.times: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - start) * 1000)


def main() -> None:
    # The test client's host; setup_test_environment() is avoided on purpose: its template
    # instrumentation would add its own cost to every render we time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    pipeline, small, empty, manager, rep = load()
    deals = m.Deal.objects.filter(pipeline=pipeline, status=m.DealStatus.OPEN)
    as_manager, as_rep = Client(), Client()
    as_manager.force_login(manager)
    as_rep.force_login(rep)
    cases = [
        ("empty board (manager)", as_manager, empty, 0),
        ("board, 120 deals (manager)", as_manager, small, 120),
        (f"board, {deals.count():,} deals (manager)", as_manager, pipeline, deals.count()),
        (
            f"board, {deals.filter(owner=rep).count():,} own deals of {deals.count():,} (rep)",
            as_rep,
            pipeline,
            None,
        ),
    ]
    print(f"GET /pipeline/<id>/, median of {RUNS} runs (db: time in queries; slowest query)")
    results = []
    for label, client, board, _n in cases:
        median, queries, db_ms, slowest = measure(client, f"/pipeline/{board.pk}/")
        results.append(median)
        print(
            f"  {label:<48} {median:8.1f} ms  {queries:3d} queries  "
            f"db {db_ms:5.1f} ms  slowest {slowest:5.1f} ms"
        )
    print(f"board ms, empty: {results[0]:.1f}")
    print(f"board ms, {DEALS:,} deals: {results[2]:.1f}")
    print(
        f"  {DEALS:,} deals take {results[2] / results[1]:.2f}x the time of 120 deals "
        f"(same cards on screen) and {results[2] / results[0]:.1f}x the empty board's"
    )


if __name__ == "__main__":
    main()
