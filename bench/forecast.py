"""The pipeline forecast at 50,000 deals: service, page and API, with their query counts.

50,000 deals in one pipeline of five stages (20,000 open, 30,000 closed, 40 % of those
won), each with a stay in a stage (StageChange) within the last year, are inserted once
by PostgreSQL (generate_series, seeded) and reused by later runs. Prints the median time
of `forecast_build` (month and quarter), GET /forecast/ and GET /api/forecast/ as a
manager, and the queries each runs.

    make bench                      # with the other benchmarks
    python -m bench.forecast        # alone, in goalpost_bench_forecast
"""

import statistics
import time

from bench._setup import setup

setup(database="forecast", flush=False)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from crm import models as m  # noqa: E402
from metrics.forecast.service import forecast_build  # noqa: E402
from metrics.scopes import Scope  # noqa: E402

DEALS = 50_000
RUNS = 5
PIPELINE = "Forecast bench"
STAGES = ["Qualified", "Needs analysis", "Proposal", "Negotiation", "Closing"]


def load() -> m.User:
    manager, _ = m.User.objects.get_or_create(
        username="forecast-bench-manager", defaults={"role": m.Role.MANAGER}
    )
    pipeline, created = m.Pipeline.objects.get_or_create(name=PIPELINE)
    if not created and pipeline.deals.count() == DEALS:
        return manager
    pipeline.deals.all().delete()
    for i, name in enumerate(STAGES):
        m.Stage.objects.get_or_create(
            pipeline=pipeline, name=name, defaults={"position": i, "win_probability": 20 * (i + 1)}
        )
    stage_ids = list(pipeline.stages.order_by("position").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """
            INSERT INTO crm_deal (title, value, currency, pipeline_id, stage_id, status,
                lost_reason, kind, forecast_category, created_at, updated_at, closed_at,
                stage_entered_at, position, owner_id)
            SELECT 'Forecast bench ' || n, round((500 + r1 * 20000)::numeric, 2), 'USD', %s,
                (%s::int[])[1 + floor(r2 * 5)::int],
                CASE WHEN n <= 20000 THEN 'open' WHEN r3 < 0.4 THEN 'won' ELSE 'lost' END,
                '', 'new', (ARRAY['commit','best_case','pipeline'])[1 + floor(r3 * 3)::int],
                now() - make_interval(days => 30 + floor(r4 * 330)::int),
                now(),
                CASE WHEN n <= 20000 THEN NULL
                     ELSE now() - make_interval(days => floor(r4 * 30)::int) END,
                now() - make_interval(days => floor(r4 * 60)::int), 0, %s
            FROM (SELECT n, random() r1, random() r2, random() r3, random() r4
                  FROM generate_series(1, %s) n) s
            """,
            [pipeline.pk, stage_ids, manager.pk, DEALS],
        )
        cursor.execute(
            """
            INSERT INTO crm_stagechange (deal_id, stage_id, entered_at, left_at)
            SELECT id, stage_id, least(stage_entered_at, coalesce(closed_at, now())),
                   closed_at
            FROM crm_deal WHERE pipeline_id = %s
            """,
            [pipeline.pk],
        )
    return manager


def measure(label: str, work) -> None:
    response = work()  # warm up
    assert getattr(response, "status_code", 200) == 200, label
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
    print(f"{label}: {statistics.median(times) * 1000:.1f} ms ({len(queries)} queries)", flush=True)
    # The aggregates are SQL: the number of queries never depends on the 50,000 deals.
    assert len(queries) <= 25, f"{label}: {len(queries)} queries"


def main() -> None:
    manager = load()
    print(f"{m.Deal.objects.filter(pipeline__name=PIPELINE).count():,} deals in {PIPELINE!r}")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(manager)
    measure(
        "forecast_build, month, company",
        lambda: forecast_build(kind="month", scope=Scope.company()),
    )
    measure(
        "forecast_build, quarter, company",
        lambda: forecast_build(kind="quarter", scope=Scope.company()),
    )
    measure("GET /forecast/ (manager)", lambda: client.get("/forecast/"))
    measure(
        "GET /api/forecast/?period=quarter", lambda: client.get("/api/forecast/?period=quarter")
    )


if __name__ == "__main__":
    main()
