"""Reads for imports, duplicates and data quality, narrowed by crm/policies.py."""

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import (
    CharField,
    Count,
    Func,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower
from django.http import Http404
from django.utils.translation import gettext as _

from crm import policies
from crm.models import (
    Company,
    Contact,
    Deal,
    DuplicatePolicy,
    ImportJob,
    ImportKind,
    User,
)

from .cleaning import CleanRow, RowCleaner, RowError, cell_text
from .formats import DATE_TYPES, NUMBER_TYPES, ColumnReading, column_readings
from .formula_guard import neutralise_cell
from .reading import Table, read_table
from .schema import fields_for
from .writers import LOOKUP_CHUNK, References

PREVIEW_SAMPLE = 10
PREVIEW_ERRORS_SHOWN = 200


# --- import jobs ------------------------------------------------------------------------


def import_job_list(*, user: User) -> QuerySet[ImportJob]:
    if not policies.can_read(user, "imports"):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by")


def import_job_get(*, user: User, pk: int) -> ImportJob:
    job = import_job_list(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def job_table(job: ImportJob) -> Table:
    """The job's file as the import reads it (in the job's character set)."""
    with job.file.open("rb") as handle:
        return read_table(handle.read(), name=job.original_name, encoding=job.encoding)


def job_column_readings(*, job: ImportJob, table: Table) -> list[ColumnReading]:
    """How each mapped number and date column reads: inferred, or as the user answered."""
    return column_readings(
        kind=job.kind,
        headers=job.headers,
        mapping=job.mapping,
        rows=table.rows,
        chosen=job.column_formats,
    )


def import_job_column_formats(job: ImportJob) -> list[dict[str, str | None]]:
    """[{column, field, type, format}] for the job's mapped number and date columns."""
    specs = fields_for(job.kind)
    columns = []
    for header in job.headers:
        spec = specs.get(job.mapping.get(header, ""))
        if spec is None or spec.type not in NUMBER_TYPES + DATE_TYPES:
            continue
        columns.append(
            {
                "column": header,
                "field": spec.name,
                "type": "number" if spec.type in NUMBER_TYPES else "date",
                "format": job.column_formats.get(header) or None,
            }
        )
    return columns


@dataclass
class Preview:
    total: int = 0
    valid: int = 0
    invalid: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    sample: list[CleanRow] = field(default_factory=list)
    errors: list[tuple[int, RowError]] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    readings: list[ColumnReading] = field(default_factory=list)

    @property
    def questions(self) -> list[ColumnReading]:
        return [reading for reading in self.readings if reading.needs_answer]

    @property
    def errors_shown(self) -> list[tuple[int, RowError]]:
        return self.errors[:PREVIEW_ERRORS_SHOWN]


def _existing(
    keys: set[str], queryset: QuerySet[Contact] | QuerySet[Company], name: str
) -> set[str]:
    found: set[str] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        found.update(
            queryset.annotate(k=Lower(name)).filter(k__in=chunk).values_list("k", flat=True)
        )
    return found


def _check_references(
    references: References, cleaner: RowCleaner, kind: str, row: CleanRow
) -> None:
    """The deal or lead a row names exists (and is one): the job's own check."""
    try:
        references.resolve(kind, row.values)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            text = cell_text(row.values.get(key))
            row.errors.extend(RowError(cleaner.header_for.get(key, key), m, text) for m in messages)


def import_preview(*, job: ImportJob) -> Preview:
    """Validate every row as the job will, and say what each valid row would do.

    Nothing is written: the checks that depend on the database (does this email exist?)
    are answered by a few bulk lookups, and rows earlier in the file count as existing.
    """
    table = job_table(job)
    readings = job_column_readings(job=job, table=table)
    cleaner = RowCleaner(
        kind=job.kind,
        headers=job.headers,
        mapping=job.mapping,
        column_formats={r.header: r.effective for r in readings if r.effective},
    )
    rows = [cleaner.clean(number, cells) for number, cells in table.rows]
    by_index = {reading.index: reading for reading in readings}
    for row, (_number, cells) in zip(rows[:PREVIEW_SAMPLE], table.rows, strict=False):
        # What the file says in the mapped columns, and for numbers and dates written as
        # text, the value that will be stored: "1.500 → 1,500.00".
        row.cells = []
        for index, _header, _spec in cleaner.columns:
            raw = cells[index] if index < len(cells) else None
            text = cell_text(raw)
            reading = by_index.get(index)
            stored = reading.show(text) if reading and isinstance(raw, str) and text else ""
            row.cells.append((text, stored if stored != text else ""))
    preview = Preview(
        total=len(rows),
        columns=[(header, str(spec.label)) for _i, header, spec in cleaner.columns],
        readings=readings,
    )
    emails = {r.values.get("email") or r.values.get("contact_email") for r in rows}
    emails.discard(None)
    # Excluding blank addresses lets the lookup use the index on LOWER(email).
    # None was discarded: the keys are addresses.
    known_emails = _existing(cast(set[str], emails), Contact.objects.exclude(email=""), "email")
    domains = {r.values["domain"] for r in rows if r.values.get("domain")}
    # A company row without a domain adds None (below), never found.
    known_domains: set[str | None] = set(_existing(domains, Company.objects.all(), "domain"))
    names = (
        {r.values["name"].lower() for r in rows if r.values.get("name")}
        if (job.kind == ImportKind.COMPANIES)
        else set()
    )
    known_names = _existing(names, Company.objects.all(), "name")
    existing_action = "update" if job.duplicate_policy == DuplicatePolicy.UPDATE else "skip"
    references = References()
    references.prefetch(job.kind, [row for row in rows if row.is_valid])

    for row in rows:
        if row.is_valid:
            values = row.values
            if job.kind == ImportKind.CONTACTS:
                email = values.get("email")
                row.action = existing_action if email in known_emails else "create"
                if email:
                    known_emails.add(email)
            elif job.kind == ImportKind.COMPANIES:
                domain, name = values.get("domain"), values["name"].lower()
                exists = domain in known_domains if domain else name in known_names
                row.action = existing_action if exists else "create"
                known_domains.add(domain)
                known_names.add(name)
            else:
                email = values.get("contact_email")
                if email and email not in known_emails and not values.get("contact_first_name"):
                    row.errors.append(
                        RowError(
                            cleaner.header_for.get("contact_email", ""),
                            _(
                                "No contact has the email %(email)s; map a first-name column to create one."
                            )
                            % {"email": email},
                            email,
                        )
                    )
                elif email:
                    known_emails.add(email)
                _check_references(references, cleaner, job.kind, row)
                row.action = "create"
        if row.is_valid:
            preview.valid += 1
            preview.actions[row.action] += 1
        else:
            row.action = "error"
            preview.invalid += 1
            preview.errors.extend((row.number, error) for error in row.errors)
        if len(preview.sample) < PREVIEW_SAMPLE:
            preview.sample.append(row)
    return preview


def error_report_csv(errors: Iterable[tuple[int, RowError]]) -> bytes:
    """The downloadable report: one line per reason, with a BOM so Excel reads accents."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("column"), _("reason"), _("value")])
    for number, error in errors:
        writer.writerow(
            [number, neutralise_cell(error.column), error.reason, neutralise_cell(error.value)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def job_errors(job: ImportJob) -> Iterator[tuple[int, RowError]]:
    for error in job.row_errors.order_by("row_number", "id").iterator(chunk_size=2000):
        yield error.row_number, RowError(error.column, error.reason, error.value)


# --- duplicates -------------------------------------------------------------------------

DUPLICATE_GROUPS_SHOWN = 50


def _contact_name_key() -> Concat:
    return Concat(
        Lower("first_name"),
        Value("|"),
        Lower("last_name"),
        Value("|"),
        Coalesce(Cast("company_id", CharField()), Value("")),
        output_field=CharField(),
    )


DUPLICATE_RULES: dict[
    tuple[str, str],
    tuple[
        str,
        type[Contact] | type[Company],
        Callable[[], Func],
        # Contact or Company rows, whichever the rule's model is.
        Callable[[QuerySet[Any]], QuerySet[Any]],
    ],
] = {
    # (policy resource, model, rule) -> key expression and rows that take part
    ("contact", "email"): (
        "contacts",
        Contact,
        lambda: Lower("email"),
        lambda qs: qs.exclude(email=""),
    ),
    ("contact", "name"): ("contacts", Contact, _contact_name_key, lambda qs: qs),
    ("company", "domain"): (
        "companies",
        Company,
        lambda: Lower("domain"),
        lambda qs: qs.exclude(domain=""),
    ),
    ("company", "name"): ("companies", Company, lambda: Lower("name"), lambda qs: qs),
}


def _duplicate_keys(*, user: User, kind: str, rule: str) -> QuerySet[Any, dict[str, Any]]:
    resource, model, key, narrow = DUPLICATE_RULES[(kind, rule)]
    rows = narrow(policies.scope(user, resource, model.objects.all()))
    keys: QuerySet[Any, dict[str, Any]] = (
        rows.annotate(dup_key=key())
        .values("dup_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("-n", "dup_key")
    )
    return keys


def duplicate_group_count(*, user: User, kind: str, rule: str) -> int:
    return _duplicate_keys(user=user, kind=kind, rule=rule).count()


def duplicate_groups(
    *, user: User, kind: str, rule: str, limit: int = DUPLICATE_GROUPS_SHOWN
) -> list[list[Contact | Company]]:
    """The biggest groups of likely duplicates: [[oldest, …], …]; two queries in all."""
    resource, model, key, narrow = DUPLICATE_RULES[(kind, rule)]
    keys = [row["dup_key"] for row in _duplicate_keys(user=user, kind=kind, rule=rule)[:limit]]
    if not keys:
        return []
    members = (
        narrow(policies.scope(user, resource, model.objects.all()))
        .annotate(dup_key=key())
        .filter(dup_key__in=keys)
        .select_related("owner", *(["company"] if model is Contact else []))
        .order_by("pk")
    )
    groups: dict[str, list[Contact | Company]] = {k: [] for k in keys}
    for obj in members:
        groups[obj.dup_key].append(obj)
    return [group for group in groups.values() if len(group) > 1]


# --- data quality -----------------------------------------------------------------------


def stale_deals(*, user: User) -> QuerySet[Deal]:
    """Open deals idle in their stage for longer than the stage's rotting days."""
    return policies.scope(user, "deals", Deal.objects.rotting())


def contacts_without_email(*, user: User) -> QuerySet[Contact]:
    return policies.scope(user, "contacts", Contact.objects.all()).filter(email="")


def contacts_without_owner(*, user: User) -> QuerySet[Contact]:
    return policies.scope(user, "contacts", Contact.objects.all()).filter(owner__isnull=True)


QUALITY_LISTS = {
    "contacts-without-email": contacts_without_email,
    "contacts-without-owner": contacts_without_owner,
    "stale-deals": stale_deals,
}


def data_quality_counts(*, user: User) -> dict[str, int | None]:
    """Counts for the data quality page; None where the user may not read the resource."""
    counts: dict[str, int | None] = dict.fromkeys(
        [
            "contacts_without_email",
            "contacts_without_owner",
            "duplicate_contact_emails",
            "duplicate_contact_names",
            "duplicate_company_domains",
            "duplicate_company_names",
            "stale_deals",
        ]
    )
    if policies.can_read(user, "contacts"):
        counts["contacts_without_email"] = contacts_without_email(user=user).count()
        counts["contacts_without_owner"] = contacts_without_owner(user=user).count()
        counts["duplicate_contact_emails"] = duplicate_group_count(
            user=user, kind="contact", rule="email"
        )
        counts["duplicate_contact_names"] = duplicate_group_count(
            user=user, kind="contact", rule="name"
        )
    if policies.can_read(user, "companies"):
        counts["duplicate_company_domains"] = duplicate_group_count(
            user=user, kind="company", rule="domain"
        )
        counts["duplicate_company_names"] = duplicate_group_count(
            user=user, kind="company", rule="name"
        )
    if policies.can_read(user, "deals"):
        counts["stale_deals"] = stale_deals(user=user).count()
    return counts
