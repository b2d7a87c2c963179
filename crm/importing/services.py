"""Import jobs: upload, mapping, start, and the batched, resumable run.

Exactly-once per row without a key per row: a batch and the advance of the job's
`processed_rows` offset commit in one transaction, under a row lock on the job. A worker
that crashes mid-batch leaves the offset where the last committed batch ended; a retry
(or a second worker) re-reads the offset under the lock and carries on from there, and a
batch started with a stale offset does nothing.
"""

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import limits, policies
from crm.models import (
    DuplicatePolicy,
    ImportJob,
    ImportKind,
    ImportRowError,
    ImportStatus,
    User,
)
from crm.services.after_commit import enqueue_on_commit

from .cleaning import CleanRow, RowCleaner, RowError
from .encodings import codec_name
from .formats import format_choices_check
from .mapping import guess_mapping, mapping_check
from .reading import Table, file_format, read_table
from .writers import CREATED, SKIPPED, UPDATED, PendingContact, RowWriter

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = limits.MAX_UPLOAD_BYTES


def batch_size() -> int:
    """Rows a batch writes and commits with its progress (GOALPOST_IMPORT_BATCH_SIZE).

    1,000 by default: a batch costs a fixed dozen queries and a commit whatever its size,
    which at 500 rows was a fifth of a 100,000-row import (bench/import.py); progress
    still moves every fraction of a second.
    """
    return getattr(settings, "GOALPOST_IMPORT_BATCH_SIZE", 1_000)


def import_access_check(user: User) -> None:
    if not policies.can_write(user, "imports"):
        raise PermissionDenied(_("Only managers and admins may import data."))


@transaction.atomic
def import_job_create(
    *, actor: User, kind: str, upload: "UploadedFile[bytes]", encoding: str = ""
) -> ImportJob:
    """Store the upload and read its header; the mapping starts from our guesses.

    A CSV file is read in `encoding` when one is given, else in the character set the
    detector finds; either way a file that does not decode cleanly is refused.
    """
    import_access_check(actor)
    # A received upload has a name and a size (the stubs allow None for any File).
    name, size = cast(str, upload.name), cast(int, upload.size)
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose what the file contains.")})
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB.")})
    try:
        file_format(name)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if encoding and not codec_name(encoding):
        raise ValidationError(
            {
                "encoding": _("“%(encoding)s” is not a character set we know.")
                % {"encoding": encoding}
            }
        )
    try:
        table = read_table(upload.read(), name=name, encoding=codec_name(encoding))
    except ValidationError as exc:
        key = "encoding" if encoding and exc.code == "encoding" else "file"
        raise ValidationError({key: exc.messages}) from exc
    upload.seek(0)
    job = ImportJob(
        kind=kind,
        original_name=name[:255],
        headers=table.headers,
        mapping=guess_mapping(kind, table.headers),
        total_rows=len(table.rows),
        encoding=table.encoding,
        detected_encoding="" if encoding else table.encoding,
        created_by=actor,
    )
    job.file.save(name, upload, save=False)
    try:
        job.full_clean(exclude=["file"])
        job.save()
    except BaseException:
        # No job, no file: a refused or failed upload leaves nothing in MEDIA_ROOT.
        job.file.delete(save=False)
        raise
    return job


@transaction.atomic
def import_job_set_mapping(
    *,
    job: ImportJob,
    actor: User,
    mapping: dict[str, str],
    duplicate_policy: str,
    automate: bool,
) -> ImportJob:
    import_access_check(actor)
    if job.status != ImportStatus.DRAFT:
        raise ValidationError(_("This import has already started."))
    mapping = {header: target for header, target in mapping.items() if target}
    mapping_check(job.kind, job.headers, mapping)
    if duplicate_policy not in DuplicatePolicy.values:
        raise ValidationError({"duplicate_policy": _("Choose update or skip.")})
    job.mapping = mapping
    job.duplicate_policy = duplicate_policy
    job.automate = bool(automate)
    job.save(update_fields=["mapping", "duplicate_policy", "automate", "updated_at"])
    return job


def _draft_check(job: ImportJob) -> None:
    if job.status != ImportStatus.DRAFT:
        raise ValidationError(_("This import has already started."))


@transaction.atomic
def import_job_set_encoding(*, job: ImportJob, actor: User, encoding: str) -> ImportJob:
    """Read the file again in another character set; refuse one it does not decode in.

    The columns keep their mapping by position (the headers themselves may read
    differently now); answers about number and date formats are asked again.
    """
    import_access_check(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _draft_check(job)
    name = codec_name(encoding)
    if not name:
        raise ValidationError(
            {
                "encoding": _("“%(encoding)s” is not a character set we know.")
                % {"encoding": encoding}
            }
        )
    if file_format(job.original_name) != "csv":
        raise ValidationError({"encoding": _("An XLSX workbook has no character set to choose.")})
    with job.file.open("rb") as handle:
        try:
            table = read_table(handle.read(), name=job.original_name, encoding=name)
        except ValidationError as exc:
            raise ValidationError({"encoding": exc.messages}) from exc
    targets = [job.mapping.get(header, "") for header in job.headers]
    if len(table.headers) == len(job.headers):
        mapping = {h: t for h, t in zip(table.headers, targets, strict=True) if t}
    else:
        mapping = guess_mapping(job.kind, table.headers)
    job.encoding = name
    job.headers = table.headers
    job.mapping = mapping
    job.total_rows = len(table.rows)
    job.column_formats = {}
    job.save(
        update_fields=[
            "encoding",
            "headers",
            "mapping",
            "total_rows",
            "column_formats",
            "updated_at",
        ]
    )
    return job


@transaction.atomic
def import_job_set_column_formats(
    *, job: ImportJob, actor: User, answers: dict[str, str]
) -> ImportJob:
    """Record how number and date columns are written ({header: "comma", …})."""
    from .selectors import job_column_readings, job_table

    import_access_check(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _draft_check(job)
    if not isinstance(answers, dict):
        raise ValidationError({"options": _("Give the column formats as {column: format}.")})
    readings = job_column_readings(job=job, table=job_table(job))
    try:
        answers = format_choices_check(readings, answers)
    except ValueError as exc:
        raise ValidationError(
            {
                "options": _(
                    "“%(column)s” is not a mapped number or date column, or the format is not "
                    "one of its choices."
                )
                % {"column": exc.args[0]}
            }
        ) from None
    job.column_formats = {**job.column_formats, **answers}
    job.save(update_fields=["column_formats", "updated_at"])
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, actor: User) -> ImportJob:
    """Queue the import; the worker gets the job id once this transaction commits."""
    from .selectors import job_column_readings, job_table

    import_access_check(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _draft_check(job)
    mapping_check(job.kind, job.headers, job.mapping)
    readings = job_column_readings(job=job, table=job_table(job))
    unanswered = [r.header for r in readings if r.needs_answer]
    if unanswered:
        raise ValidationError(
            {
                "options": _(
                    "Say how these columns are written; their cells read two ways: %(columns)s."
                )
                % {"columns": ", ".join(f"“{h}”" for h in unanswered)}
            }
        )
    # The worker reads each column exactly as the preview showed it.
    job.column_formats = {r.header: r.effective for r in readings if r.effective}
    job.status = ImportStatus.QUEUED
    job.save(update_fields=["status", "column_formats", "updated_at"])
    from .tasks import import_job_run_task

    # A refused hand-over leaves the job queued; its page offers "resume".
    enqueue_on_commit(import_job_run_task, job.pk)
    return job


@transaction.atomic
def import_job_resume(*, job: ImportJob, actor: User) -> ImportJob:
    """Hand a failed or stuck job to a worker again; it continues from its offset."""
    import_access_check(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.FAILED):
        raise ValidationError(_("Only a queued, running or failed import can be resumed."))
    job.status = ImportStatus.QUEUED
    job.error_message = ""
    job.save(update_fields=["status", "error_message", "updated_at"])
    from .tasks import import_job_run_task

    # A refused hand-over leaves the job queued; its page offers "resume".
    enqueue_on_commit(import_job_run_task, job.pk)
    return job


@transaction.atomic
def import_job_submit(
    *,
    actor: User,
    kind: str,
    upload: "UploadedFile[bytes]",
    encoding: str = "",
    mapping: dict[str, str] | None = None,
    duplicate_policy: str = DuplicatePolicy.SKIP,
    automate: bool = False,
    column_formats: dict[str, str] | None = None,
) -> ImportJob:
    """Upload, map, answer and start in one step: what the browser's wizard does, for the API.

    All or nothing: a file, mapping or format the browser would refuse is refused here
    with the same reasons, and no job is left behind. Without a mapping the guessed one is
    used; a column whose cells read two ways needs its answer in `column_formats`.
    """
    job = import_job_create(actor=actor, kind=kind, upload=upload, encoding=encoding)
    try:
        try:
            job = import_job_set_mapping(
                job=job,
                actor=actor,
                mapping=job.mapping if mapping is None else mapping,
                duplicate_policy=duplicate_policy,
                automate=automate,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise ValidationError({"mapping": exc.messages}) from exc
        if column_formats:
            job = import_job_set_column_formats(job=job, actor=actor, answers=column_formats)
        return import_job_start(job=job, actor=actor)
    except BaseException:
        # The caller's transaction takes the job row back; the stored file goes with it.
        job.file.delete(save=False)
        raise


def import_job_fail(*, job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportStatus.COMPLETED).update(
        status=ImportStatus.FAILED, error_message=message[:2000], updated_at=timezone.now()
    )


# --- running ---------------------------------------------------------------------------


@dataclass
class JobRunner:
    """What a worker keeps between batches: the parsed file and warm lookups."""

    table: Table
    cleaner: RowCleaner
    writer: RowWriter

    @classmethod
    def for_job(cls, job: ImportJob) -> "JobRunner":
        with job.file.open("rb") as handle:
            table = read_table(handle.read(), name=job.original_name, encoding=job.encoding)
        cleaner = RowCleaner(
            kind=job.kind,
            headers=job.headers,
            mapping=job.mapping,
            column_formats=job.column_formats,
        )
        return cls(table=table, cleaner=cleaner, writer=RowWriter(job))


def _error_column(cleaner: RowCleaner, key: str) -> str:
    if key in ("__all__", "non_field_errors"):
        return ""
    header_for = cleaner.header_for
    return header_for.get(key) or header_for.get(f"contact_{key}") or key


def _cell(value: object) -> str:
    return "" if value is None or hasattr(value, "pk") else str(value)


def _write_row(runner: JobRunner, row: CleanRow) -> str:
    """Write one row in a savepoint; on failure append the reasons to `row.errors`."""
    # A row that is one service call is atomic by that service's own transaction; only
    # rows that write several things (a company, then the contact, then its tags) need
    # a savepoint of their own. It saves two queries a row on big contact files.
    isolate = transaction.atomic() if runner.writer.writes_several(row) else nullcontext()
    try:
        with isolate:
            outcome = runner.writer.write(row)
    except ValidationError as exc:
        runner.writer.row_failed()
        if hasattr(exc, "error_dict"):
            for key, messages in exc.message_dict.items():
                value = row.values.get(key, row.values.get(f"contact_{key}", ""))
                for message in messages:
                    row.errors.append(
                        RowError(_error_column(runner.cleaner, key), message, _cell(value))
                    )
        else:
            row.errors.extend(RowError("", message) for message in exc.messages)
        return ""
    except (IntegrityError, DatabaseError) as exc:
        runner.writer.row_failed()
        logger.info("Import row %s rejected by the database: %s", row.number, exc)
        row.errors.append(RowError("", _("The row conflicts with existing data.")))
        return ""
    runner.writer.row_succeeded()
    return outcome


def _write_rows(runner: JobRunner, rows: list[CleanRow]) -> dict[int, str]:
    """Write a batch's valid rows in file order; {row number: outcome} ("" = failed).

    Contact rows are gathered and written together (`RowWriter.plan` / `flush`: new
    contacts, updates of known ones, skips); any other row is written on its own, after
    the gathered ones if it depends on them.
    """
    writer = runner.writer
    outcomes: dict[int, str] = {}
    pending: list[PendingContact] = []

    def flush() -> None:
        # All or nothing: either every pending row is written, or none and each is
        # written (or refused, with its reasons) on its own.
        leftover = writer.flush(pending)
        if leftover:
            for row in leftover:
                outcomes[row.number] = _write_row(runner, row)
        else:
            outcomes.update((item.row.number, item.outcome) for item in pending)
        pending.clear()

    for row in rows:
        if not row.is_valid:
            continue
        planned = writer.plan(row)
        if planned is not None:
            pending.append(planned)
            continue
        if writer.depends_on_pending(row):
            flush()
        outcomes[row.number] = _write_row(runner, row)
    flush()
    return outcomes


def _save_progress(job: ImportJob, fields: list[str]) -> None:
    job.save(update_fields=[*fields, "updated_at"])


def import_batch_run(*, job_id: int, offset: int, runner: JobRunner | None = None) -> int:
    """Import the next batch if the job's committed offset is `offset`; return rows done.

    Everything the batch writes (records, error rows, counters, offset) commits together
    or not at all. Calling it again with the same offset is a no-op.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ImportStatus.RUNNING or job.processed_rows != offset:
            return 0
        runner = runner or JobRunner.for_job(job)
        runner.writer.job = job
        chunk = runner.table.rows[offset : offset + batch_size()]
        rows = [runner.cleaner.clean(number, cells) for number, cells in chunk]
        runner.writer.prefetch([row for row in rows if row.is_valid])
        outcomes = _write_rows(runner, rows)
        counts = {CREATED: 0, UPDATED: 0, SKIPPED: 0, "failed": 0}
        errors: list[ImportRowError] = []
        for row in rows:
            outcome = outcomes.get(row.number, "")
            if outcome:
                counts[outcome] += 1
                continue
            counts["failed"] += 1
            errors.extend(
                ImportRowError(
                    job=job,
                    row_number=row.number,
                    column=e.column[:255],
                    reason=e.reason,
                    value=e.value[:1000],
                )
                for e in row.errors
            )
        ImportRowError.objects.bulk_create(errors)
        job.processed_rows = offset + len(chunk)
        job.created_rows += counts[CREATED]
        job.updated_rows += counts[UPDATED]
        job.succeeded_rows += counts[CREATED] + counts[UPDATED]
        job.skipped_rows += counts[SKIPPED]
        job.failed_rows += counts["failed"]
        fields = [
            "processed_rows",
            "created_rows",
            "updated_rows",
            "succeeded_rows",
            "skipped_rows",
            "failed_rows",
        ]
        # An empty chunk means the stored file has fewer rows than counted: nothing left.
        if job.processed_rows >= job.total_rows or not chunk:
            job.status = ImportStatus.COMPLETED
            job.finished_at = timezone.now()
            fields += ["status", "finished_at"]
        _save_progress(job, fields)
        return len(chunk)


def import_job_begin(*, job_id: int) -> bool:
    """Mark a queued (or interrupted) job running; False if there is nothing to do."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (ImportStatus.DRAFT, ImportStatus.COMPLETED):
            return False
        job.status = ImportStatus.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.error_message = ""
        if job.processed_rows >= job.total_rows:
            job.status = ImportStatus.COMPLETED
            job.finished_at = timezone.now()
        job.save(
            update_fields=["status", "started_at", "error_message", "finished_at", "updated_at"]
        )
        return job.status == ImportStatus.RUNNING


@contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the objects alive now (the parsed file, Django's own) out of garbage collection.

    A 100,000-row file is some 200,000 lists and tuples that live as long as the job; each
    full collection walked them all with the rest of the process, a fifth of the import's
    time (bench/import.py). Frozen objects are only set aside, not leaked: they are handed
    back to the collector when the job ends.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a job to the end, batch by batch, starting at its committed offset."""
    if not import_job_begin(job_id=job_id):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.get(pk=job_id)
    runner = JobRunner.for_job(job)
    with _gc_frozen():
        return _batches_run(job_id=job_id, runner=runner, offset=job.processed_rows)


def _batches_run(*, job_id: int, runner: JobRunner, offset: int) -> ImportJob:
    while True:
        done = import_batch_run(job_id=job_id, offset=offset, runner=runner)
        offset += done
        if done and offset < len(runner.table.rows):
            continue
        # At the end of the file, stopped, or another worker moved the offset: ask the job.
        job = ImportJob.objects.get(pk=job_id)
        if job.status != ImportStatus.RUNNING:
            return job
        offset = job.processed_rows
