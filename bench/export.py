"""Deal exports at 50,000 rows: XLSX and CSV through the page, streamed body consumed.

50,000 deals (25 reps with 2,000 each, 20,000 contacts at 2,000 companies, a third of
the contacts tagged, two pipelines of five stages: 10,000 deals in the first, 40,000 in
the second) are bulk-inserted once and reused by later runs. Times, through the Django
test client and reading the whole streamed body:

- one rep's 2,000 deals as XLSX (issue 20 recorded DjangoCRM at 11 s for 2,000 deals,
  13,018 queries; goal: at least 20 times faster),
- all 50,000 deals as XLSX and as CSV, as a manager (goal: under 3 s each),

and then, untimed, the peak of Python's allocations (tracemalloc) while 10,000 and
50,000 deals are exported: a streamed export's peak does not grow with the rows.

    make bench BENCH=export         # alone, through make
    python -m bench.export          # DATABASE_URL defaults to goalpost_bench
"""

import gc
import statistics
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

from bench._setup import report, setup

setup(flush=False, database="export")

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm import models as m  # noqa: E402

REPS = 25
DEALS_PER_REP = 2_000
DEALS = REPS * DEALS_PER_REP
CONTACTS = 20_000
COMPANIES = 2_000
SMALL_PIPELINE_DEALS = 10_000
RUNS = 3
DJANGOCRM_SECONDS = 11.0  # issue 20: DjangoCRM's XLSX export of 2,000 deals, at best
BATCH = 5_000


def _pipeline(name: str) -> tuple[m.Pipeline, list[m.Stage]]:
    pipeline, _ = m.Pipeline.objects.get_or_create(name=name)
    stages = [
        m.Stage.objects.get_or_create(pipeline=pipeline, name=f"Stage {i}", position=i)[0]
        for i in range(5)
    ]
    return pipeline, stages


def load() -> tuple[m.User, m.User, m.Pipeline]:
    """The bench's rows, inserted on the first run only; (manager, one rep, small pipeline)."""
    manager, _ = m.User.objects.get_or_create(
        username="export-bench-manager", defaults={"role": m.Role.MANAGER}
    )
    reps = [
        m.User.objects.get_or_create(
            username=f"export-bench-rep{n}", defaults={"role": m.Role.REP}
        )[0]
        for n in range(REPS)
    ]
    small, small_stages = _pipeline("Export bench small")
    large, large_stages = _pipeline("Export bench large")
    if m.Deal.objects.count() == DEALS:
        return manager, reps[0], small
    m.Deal.objects.all().delete()
    m.Contact.objects.all().delete()
    m.Company.objects.all().delete()
    companies = m.Company.objects.bulk_create(
        [
            m.Company(name=f"Company {n}", domain=f"c{n}.example", owner=reps[n % REPS])
            for n in range(COMPANIES)
        ],
        batch_size=BATCH,
    )
    contacts = m.Contact.objects.bulk_create(
        [
            m.Contact(
                first_name=f"First{n}",
                last_name=f"Last{n}",
                email=f"person{n}@export.bench",
                company=companies[n % COMPANIES],
                owner=reps[n % REPS],
            )
            for n in range(CONTACTS)
        ],
        batch_size=BATCH,
    )
    tags = [m.Tag.objects.get_or_create(name=name)[0] for name in ("vip", "b2b", "churn-risk")]
    through = m.Contact.tags.through
    through.objects.bulk_create(
        [through(contact=c, tag=tags[n % 3]) for n, c in enumerate(contacts) if n % 3 == 0],
        batch_size=BATCH,
    )
    now = timezone.now()
    deals = []
    for n in range(DEALS):
        pipeline, stages = (
            (small, small_stages) if n < SMALL_PIPELINE_DEALS else (large, large_stages)
        )
        status = ("open", "won", "lost")[n % 3]
        created_at = now - timedelta(days=30 + n % 365, minutes=n)
        deals.append(
            m.Deal(
                title=f"Deal {n}",
                value=Decimal(f"{500 + n % 20_000}.{n % 100:02d}"),
                currency=("USD", "EUR", "JPY")[n % 3],
                pipeline=pipeline,
                stage=stages[n % 5],
                owner=reps[n % REPS],
                contact=contacts[n % CONTACTS],
                company=companies[n % COMPANIES],
                status=status,
                lost_reason="Price" if status == "lost" else "",
                expected_close_date=(now + timedelta(days=n % 90)).date(),
                created_at=created_at,
                closed_at=None if status == "open" else created_at + timedelta(days=n % 30),
            )
        )
        if len(deals) == BATCH:
            m.Deal.objects.bulk_create(deals)
            deals = []
    m.Deal.objects.bulk_create(deals)
    return manager, reps[0], small


def _download(client: Client, url: str) -> int:
    """GET the export and read its whole body; the number of bytes."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(label: str, client: Client, url: str) -> float:
    """Median seconds of RUNS downloads after a warm-up; prints size and queries."""
    _download(client, url)
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            size = _download(client, url)
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(
        f"{label}: {median * 1000:.0f} ms median (runs {runs} s), {size:,} bytes, "
        f"{len(queries)} queries",
        flush=True,
    )
    return median


def peak_memory(client: Client, url: str) -> tuple[int, int]:
    """(peak bytes Python allocated while the export was produced and read, its size)."""
    gc.collect()
    tracemalloc.start()
    try:
        size = _download(client, url)
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def main() -> None:
    manager, rep, small = load()
    print(f"{m.Deal.objects.count():,} deals, {m.Contact.objects.count():,} contacts", flush=True)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    as_manager, as_rep = Client(), Client()
    as_manager.force_login(manager)
    as_rep.force_login(rep)

    rep_xlsx = measure("deals XLSX, one rep's 2,000", as_rep, "/export/deals.xlsx")
    all_xlsx = measure("deals XLSX, 50,000", as_manager, "/export/deals.xlsx")
    all_csv = measure("deals CSV, 50,000", as_manager, "/export/deals.csv")
    ratio = DJANGOCRM_SECONDS / rep_xlsx
    report(
        "deals XLSX export, one rep's 2,000 deals",
        figure=f"{rep_xlsx * 1000:.0f} ms",
        floor="DjangoCRM 11 s (recorded in issue 20)",
        ratio=f"{ratio:.0f}× faster",
        goal="≥ 20× faster",
        met=ratio >= 20,
    )
    report(
        "deals XLSX export, 50,000 deals",
        figure=f"{all_xlsx:.2f} s",
        goal="< 3 s",
        met=all_xlsx < 3,
    )
    report(
        "deals CSV export, 50,000 deals",
        figure=f"{all_csv:.2f} s",
        goal="< 3 s",
        met=all_csv < 3,
    )

    for fmt in ("xlsx", "csv"):
        small_peak, small_size = peak_memory(as_manager, f"/export/deals.{fmt}?pipeline={small.pk}")
        all_peak, all_size = peak_memory(as_manager, f"/export/deals.{fmt}")
        print(
            f"peak Python memory, {fmt.upper()}: {SMALL_PIPELINE_DEALS:,} deals "
            f"{small_peak / 2**20:.1f} MiB ({small_size:,} bytes of file), {DEALS:,} deals "
            f"{all_peak / 2**20:.1f} MiB ({all_size:,} bytes of file), "
            f"{all_peak / small_peak:.2f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
