"""Import of a 100,000-row contacts CSV, creates then updates, each next to its floor.

The import is timed as the Celery task runs it (`import_job_run`: parse, clean, write the
rows in batches of 1,000 with their events and the resume offset; contact rows go through
`crm.importing.batch`, the batch equivalents of contact_create and contact_update),
without the broker hop.

- creates: 100,000 new contacts. Floor: parse the same file and `bulk_create` the rows
  (no validation, no events, no per-batch commit).
- updates: the same file again with a changed first name and every address in upper
  case, under the "update" policy, so each row matches its contact by email, letter case
  ignored. Floor: parse that file and write the file's columns to the rows matched by
  LOWER(email), with one `UPDATE … FROM (VALUES …)` per 5,000 rows (the values as
  arrays, `FROM unnest(…)`, as the import writes them).

Each is reported as import rows/s over floor rows/s (goal ≥ 50 %). The preview (every
row validated, nothing written) is timed too.

    make bench BENCH=import             # alone, with the ratio-vs-goal table
    python -m bench.import              # DATABASE_URL defaults to goalpost_bench(_import)
    BENCH_IMPORT_ROWS=20000 python -m bench.import
"""

import csv
import io
import os
import random
import tempfile
import time

from bench._setup import report, setup

setup(database="import", flush=False)

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from crm.importing import selectors, services  # noqa: E402
from crm.models import Contact, ImportJob, Role, User  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))
DOMAIN = "import.bench"
BATCH = 5_000
GOAL = 0.5
LIFECYCLES = ["lead", "Prospect", "customer", "lead"]
SOURCES = ["website", "Referral", "event", ""]
HEADER = ["Vorname", "Nachname", "E-Mail", "Telefon", "Lifecycle", "Source"]


def make_rows(rows: int) -> list[list[str]]:
    rng = random.Random(8)
    return [
        [
            f"First{n}",
            f"Last{rng.randrange(10_000)}",
            f"person{n}@{DOMAIN}",
            f"+49 30 {rng.randrange(10**7):07d}",
            LIFECYCLES[n % 4],
            SOURCES[n % 4],
        ]
        for n in range(rows)
    ]


def changed(rows: list[list[str]]) -> list[list[str]]:
    """The update file: a new first name, the address in upper case."""
    return [[f"Vor{row[0]}", row[1], row[2].upper(), *row[3:]] for row in rows]


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def wipe() -> None:
    """Remove what an earlier run left: the bench contacts, their events, the jobs."""
    mine = "(SELECT id FROM crm_contact WHERE email LIKE %s)"
    pattern = [f"%@{DOMAIN}"]
    with connection.cursor() as cursor:
        # Fresh statistics first: right after the floor's 100,000 inserts the planner may
        # still see an empty table, and the DELETE's check of each row's self-reference
        # (referred_by) then scanned the table per row (over 8 minutes instead of ~13 s).
        cursor.execute("ANALYZE crm_contact")
        cursor.execute(
            f"DELETE FROM crm_domainevent WHERE subject_type = 'contact' AND subject_id IN {mine}",
            pattern,
        )
        cursor.execute(f"DELETE FROM crm_customerspell WHERE contact_id IN {mine}", pattern)
        cursor.execute("DELETE FROM crm_contact WHERE email LIKE %s", pattern)
    ImportJob.objects.filter(original_name="bench-contacts.csv").delete()


def parse(raw: bytes):
    reader = csv.reader(io.StringIO(raw.decode()))
    next(reader)
    return reader


def create_floor(raw: bytes) -> float:
    """Parse the file and bulk_create the rows: the fastest the database takes new rows."""
    start = time.perf_counter()
    batch = []
    with transaction.atomic():
        for first, last, email, phone, lifecycle, source in parse(raw):
            batch.append(
                Contact(
                    first_name=first,
                    last_name=last,
                    email=email,
                    phone=phone,
                    lifecycle=lifecycle.lower(),
                    source=source.lower(),
                )
            )
            if len(batch) == BATCH:
                Contact.objects.bulk_create(batch)
                batch = []
        Contact.objects.bulk_create(batch)
    return time.perf_counter() - start


def _update_by_email(cursor, rows: list[tuple]) -> None:
    cursor.execute(
        "UPDATE crm_contact AS c SET first_name = v.first_name, last_name = v.last_name, "
        "phone = v.phone, lifecycle = v.lifecycle, source = v.source, updated_at = now() "
        "FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) "
        "AS v(email, first_name, last_name, phone, lifecycle, source) "
        "WHERE LOWER(c.email) = v.email AND c.email <> ''",
        [list(column) for column in zip(*rows, strict=True)],
    )


def update_floor(raw: bytes) -> float:
    """Parse the file and UPDATE … FROM (VALUES …) the rows matched by LOWER(email).

    The VALUES list goes as one array a column (`FROM unnest(…)`): a statement with a
    placeholder per cell is slower to build and parse than to run.
    """
    start = time.perf_counter()
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for first, last, email, phone, lifecycle, source in parse(raw):
            batch.append((email.lower(), first, last, phone, lifecycle.lower(), source.lower()))
            if len(batch) == BATCH:
                _update_by_email(cursor, batch)
                batch = []
        if batch:
            _update_by_email(cursor, batch)
    return time.perf_counter() - start


class QueryCounter:
    """An execute wrapper that only counts (DEBUG's query log would cost memory)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def new_job(actor, raw: bytes, policy: str) -> ImportJob:
    upload = SimpleUploadedFile("bench-contacts.csv", raw, content_type="text/csv")
    job = services.import_job_create(actor=actor, kind="contacts", upload=upload)
    return services.import_job_set_mapping(
        job=job, actor=actor, mapping=job.mapping, duplicate_policy=policy, automate=False
    )


def run_import(actor, raw: bytes, policy: str) -> tuple[ImportJob, float, int]:
    job = new_job(actor, raw, policy)
    services.import_job_start(job=job, actor=actor)
    queries = QueryCounter()
    start = time.perf_counter()
    with connection.execute_wrapper(queries):
        job = services.import_job_run(job_id=job.pk)
    return job, time.perf_counter() - start, queries.count


def time_preview(actor, raw: bytes) -> None:
    job = new_job(actor, raw, "skip")
    start = time.perf_counter()
    preview = selectors.import_preview(job=job)
    seconds = time.perf_counter() - start
    assert (preview.valid, preview.invalid) == (ROWS, 0), (preview.valid, preview.invalid)
    print(f"preview (validate every row): {ROWS / seconds:,.0f} rows/s ({seconds:.1f} s)")
    job.delete()


def compare(row: str, what: str, import_seconds: float, floor_seconds: float, queries: int):
    rate, floor_rate = ROWS / import_seconds, ROWS / floor_seconds
    ratio = rate / floor_rate
    print(f"{what} import: {rate:,.0f} rows/s ({import_seconds:.1f} s)", flush=True)
    print(f"{what} import queries per row: {queries / ROWS:.3f} ({queries:,} in all)")
    label = "bulk_create" if what == "create" else "bulk update"
    report(
        row,
        figure=f"{rate:,.0f} rows/s",
        floor=f"{label} {floor_rate:,.0f} rows/s",
        ratio=f"{ratio:.0%}".replace("%", " %"),
        goal="≥ 50 %",
        met=ratio >= GOAL,
    )


def main() -> None:
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="goalpost-import-bench-")
    actor, _ = User.objects.get_or_create(username="import-bench", defaults={"role": Role.MANAGER})
    wipe()
    rows = make_rows(ROWS)
    raw, raw_changed = to_csv(rows), to_csv(changed(rows))
    print(f"rows: {ROWS}", flush=True)

    create_floor_seconds = create_floor(raw)
    print(f"bulk_create floor: {ROWS / create_floor_seconds:,.0f} rows/s", flush=True)
    update_floor_seconds = update_floor(raw_changed)
    print(f"bulk update floor: {ROWS / update_floor_seconds:,.0f} rows/s", flush=True)
    wipe()

    time_preview(actor, raw)
    job, create_seconds, create_queries = run_import(actor, raw, "skip")
    assert (job.status, job.created_rows) == ("completed", ROWS), (job.status, job.created_rows)
    assert Contact.objects.filter(email__endswith=f"@{DOMAIN}").count() == ROWS

    job, update_seconds, update_queries = run_import(actor, raw_changed, "update")
    assert (job.status, job.updated_rows) == ("completed", ROWS), (job.status, job.updated_rows)
    assert Contact.objects.filter(first_name__startswith="VorFirst").count() == ROWS

    size = f"{ROWS // 1000}k" if ROWS % 1000 == 0 else f"{ROWS:,}"
    compare(
        f"contact import, {size} creates",
        "create",
        create_seconds,
        create_floor_seconds,
        create_queries,
    )
    compare(
        f"contact import, {size} updates",
        "update",
        update_seconds,
        update_floor_seconds,
        update_queries,
    )
    wipe()


if __name__ == "__main__":
    main()
