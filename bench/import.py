"""Import of a 100,000-row contacts CSV, next to a plain bulk_create of the same rows.

The import is timed as the Celery task runs it (`import_job_run`: parse, clean, write the
rows in batches of 500 with their events and the resume offset; new contacts go through
`crm.importing.batch.contacts_create_many`, contact_create's batch equivalent), without
the broker hop. The floor parses the same file and `bulk_create`s the rows: no
validation, no events, no per-row isolation. The preview (every row validated, nothing
written) is timed too.

    make bench                          # with the other benchmarks
    python -m bench.import              # alone (DATABASE_URL defaults to goalpost_bench)
    BENCH_IMPORT_ROWS=20000 python -m bench.import
"""

import csv
import io
import os
import random
import tempfile
import time

from bench._setup import setup

setup(flush=False)

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from crm.importing import selectors, services  # noqa: E402
from crm.models import Contact, ImportJob, Role, User  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))
DOMAIN = "import.bench"
BATCH = 5_000
LIFECYCLES = ["lead", "Prospect", "customer", "lead"]
SOURCES = ["website", "Referral", "event", ""]
rng = random.Random(8)


def make_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Vorname", "Nachname", "E-Mail", "Telefon", "Lifecycle", "Source"])
    for n in range(rows):
        writer.writerow(
            [
                f"First{n}",
                f"Last{rng.randrange(10_000)}",
                f"person{n}@{DOMAIN}",
                f"+49 30 {rng.randrange(10**7):07d}",
                LIFECYCLES[n % 4],
                SOURCES[n % 4],
            ]
        )
    return out.getvalue().encode()


def wipe() -> None:
    """Remove what an earlier run left: the bench contacts, their events, the jobs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM crm_domainevent WHERE subject_type = 'contact' AND subject_id IN "
            "(SELECT id FROM crm_contact WHERE email LIKE %s)",
            [f"%@{DOMAIN}"],
        )
        cursor.execute("DELETE FROM crm_contact WHERE email LIKE %s", [f"%@{DOMAIN}"])
    ImportJob.objects.filter(original_name="bench-contacts.csv").delete()


def floor(raw: bytes) -> float:
    """Parse the file and bulk_create the rows: the fastest the database can take them."""
    start = time.perf_counter()
    reader = csv.reader(io.StringIO(raw.decode()))
    next(reader)
    batch = []
    with transaction.atomic():
        for first, last, email, phone, lifecycle, source in reader:
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


class QueryCounter:
    """An execute wrapper that only counts (DEBUG's query log would cost memory)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="goalpost-import-bench-")
    actor, _ = User.objects.get_or_create(username="import-bench", defaults={"role": Role.MANAGER})
    wipe()
    raw = make_csv(ROWS)
    print(f"rows: {ROWS}", flush=True)

    floor_seconds = floor(raw)
    print(f"bulk_create floor: {ROWS / floor_seconds:,.0f} rows/s ({floor_seconds:.1f} s)")
    wipe()

    upload = SimpleUploadedFile("bench-contacts.csv", raw, content_type="text/csv")
    job = services.import_job_create(actor=actor, kind="contacts", upload=upload)
    services.import_job_set_mapping(
        job=job, actor=actor, mapping=job.mapping, duplicate_policy="skip", automate=False
    )
    start = time.perf_counter()
    preview = selectors.import_preview(job=job)
    preview_seconds = time.perf_counter() - start
    assert (preview.valid, preview.invalid) == (ROWS, 0), (preview.valid, preview.invalid)
    print(
        f"preview (validate every row): {ROWS / preview_seconds:,.0f} rows/s ({preview_seconds:.1f} s)"
    )

    services.import_job_start(job=job, actor=actor)
    queries = QueryCounter()
    start = time.perf_counter()
    with connection.execute_wrapper(queries):
        job = services.import_job_run(job_id=job.pk)
    import_seconds = time.perf_counter() - start
    assert (job.status, job.created_rows) == ("completed", ROWS), (job.status, job.created_rows)
    assert Contact.objects.filter(email__endswith=f"@{DOMAIN}").count() == ROWS
    print(f"import job: {ROWS / import_seconds:,.0f} rows/s ({import_seconds:.1f} s)")
    print(f"import job queries per row: {queries.count / ROWS:.3f} ({queries.count:,} in all)")
    print(f"import / floor: {import_seconds / floor_seconds:.1f}x slower")
    wipe()


if __name__ == "__main__":
    main()
