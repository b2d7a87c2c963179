"""Export of the CRM's lists through django-import-export resources.

Related records are written by name (owner username, company name, stage name) so the
file reads as a spreadsheet and can be imported again; the `id` column keeps the link to
the API. Each resource names the joins its columns need, so an export costs a constant
number of queries whatever its size.
"""

import csv
import datetime as dt
import io
import re
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import tablib
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from openpyxl.cell import WriteOnlyCell

from crm import policies
from crm.languages import language_supported
from crm.models import Activity, AuditKind, Company, Contact, Deal, Lead, Purchase, Ticket
from crm.services.audit import audit_record

from . import filters as export_filters
from .formula_guard import neutralise_cell, restore_cell


def _field(attribute: str, column: str | None = None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column or attribute.split("__")[0])


# Columns that are not a field of the exported model (or name a related record's key).
EXTRA_HEADERS = {
    "id": _("ID"),
    "tags": _("Tags"),
    "contact_email": _("Contact email"),
    "contact_name": _("Contact name"),
}


class ExportResource(resources.ModelResource):
    """Headers in the active language: the requesting user's, as the request set it.

    In the site's language (English) the headers stay the field names the importer and the
    API use ("first_name"); in another language they are the field's translated name
    ("Vorname"), which the importer also recognises as that field's label or synonym.
    `export_dataset` and `export_workbook` switch to the user's own language when they
    have one, so a token API call or a worker writes the same headers as the browser.
    """

    def get_export_headers(self, selected_fields=None):
        headers = super().get_export_headers(selected_fields)
        if translation.get_language() == settings.LANGUAGE_CODE:
            return headers
        return [self._localised_header(header) for header in headers]

    def _localised_header(self, header: str) -> str:
        if header in EXTRA_HEADERS:
            return str(EXTRA_HEADERS[header])
        try:
            field = self._meta.model._meta.get_field(header)
        except FieldDoesNotExist:
            return header
        return capfirst(str(getattr(field, "verbose_name", header)))


class ContactResource(ExportResource):
    company = _field("company__name", "company")
    owner = _field("owner__username", "owner")
    referred_by = _field("referred_by__email", "referred_by")
    tags = fields.Field(column_name="tags")

    class Meta:
        model = Contact
        fields = (
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "company",
            "owner",
            "lifecycle",
            "customer_since",
            "churned_at",
            "source",
            "referred_by",
            "tags",
            "opted_out",
            "birth_date",
            "occupation",
            "gender",
            "marital_status",
            "income_band",
            "education",
            "language",
            "created_at",
        )
        export_order = fields

    def dehydrate_tags(self, contact):
        return ", ".join(tag.name for tag in contact.tags.all())


class CompanyResource(ExportResource):
    owner = _field("owner__username", "owner")

    class Meta:
        model = Company
        fields = ("id", "name", "domain", "industry", "phone", "address", "owner", "created_at")
        export_order = fields


class DealResource(ExportResource):
    pipeline = _field("pipeline__name", "pipeline")
    stage = _field("stage__name", "stage")
    owner = _field("owner__username", "owner")
    contact = _field("contact__email", "contact_email")
    company = _field("company__name", "company")

    class Meta:
        model = Deal
        fields = (
            "id",
            "title",
            "value",
            "currency",
            "pipeline",
            "stage",
            "owner",
            "contact",
            "company",
            "status",
            "lost_reason",
            "kind",
            "expected_close_date",
            "forecast_category",
            "created_at",
            "closed_at",
        )
        export_order = fields


class LeadResource(ExportResource):
    contact = _field("contact__email", "contact_email")
    contact_name = fields.Field(column_name="contact_name")
    campaign = _field("campaign__name", "campaign")
    owner = _field("owner__username", "owner")

    class Meta:
        model = Lead
        fields = (
            "id",
            "contact",
            "contact_name",
            "source",
            "campaign",
            "status",
            "score",
            "owner",
            "handed_off_at",
            "converted_at",
            "deal",
            "created_at",
        )
        export_order = fields

    def dehydrate_contact_name(self, lead):
        return lead.contact.full_name


class ActivityResource(ExportResource):
    assignee = _field("assignee__username", "assignee")
    deal = _field("deal__title", "deal")
    contact = _field("contact__email", "contact_email")

    class Meta:
        model = Activity
        fields = (
            "id",
            "kind",
            "subject",
            "notes",
            "due_at",
            "done_at",
            "assignee",
            "deal",
            "lead",
            "contact",
            "created_at",
        )
        export_order = fields


class TicketResource(ExportResource):
    contact = _field("contact__email", "contact_email")
    company = _field("company__name", "company")
    assignee = _field("assignee__username", "assignee")

    class Meta:
        model = Ticket
        fields = (
            "id",
            "subject",
            "description",
            "contact",
            "company",
            "priority",
            "status",
            "assignee",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "sla_due_at",
        )
        export_order = fields


class PurchaseResource(ExportResource):
    contact = _field("contact__email", "contact_email")
    company = _field("company__name", "company")
    campaign = _field("campaign__name", "campaign")

    class Meta:
        model = Purchase
        fields = (
            "id",
            "contact",
            "company",
            "amount",
            "currency",
            "purchased_at",
            "product",
            "category",
            "campaign",
            "deal",
        )
        export_order = fields


@dataclass(frozen=True)
class Exportable:
    resource: type[resources.ModelResource]
    filterset: type
    model: type
    joins: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()


EXPORTABLE = {
    "contacts": Exportable(
        ContactResource,
        export_filters.ContactExportFilter,
        Contact,
        ("company", "owner", "referred_by"),
        ("tags",),
    ),
    "companies": Exportable(
        CompanyResource, export_filters.CompanyExportFilter, Company, ("owner",)
    ),
    "deals": Exportable(
        DealResource,
        export_filters.DealExportFilter,
        Deal,
        ("pipeline", "stage", "owner", "contact", "company"),
    ),
    "leads": Exportable(
        LeadResource, export_filters.LeadExportFilter, Lead, ("contact", "campaign", "owner")
    ),
    "activities": Exportable(
        ActivityResource,
        export_filters.ActivityExportFilter,
        Activity,
        ("assignee", "deal", "contact"),
    ),
    "tickets": Exportable(
        TicketResource,
        export_filters.TicketExportFilter,
        Ticket,
        ("contact", "company", "assignee"),
    ),
    "purchases": Exportable(
        PurchaseResource,
        export_filters.PurchaseExportFilter,
        Purchase,
        ("contact", "company", "campaign"),
    ),
}
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class ExportFilterError(Exception):
    def __init__(self, errors):
        super().__init__(str(errors))
        self.errors = errors


def export_queryset(*, user, resource: str, params):
    """The rows of `resource` this user may see, narrowed by the list's filters; the
    export is written to the audit log (who, which resource, how many rows, filters)."""
    spec = EXPORTABLE[resource]
    queryset = policies.scope(user, resource, spec.model.objects.all())
    queryset = queryset.select_related(*spec.joins).prefetch_related(*spec.prefetch)
    filterset = spec.filterset(params, queryset=queryset)
    if not filterset.is_valid():
        raise ExportFilterError(filterset.errors)
    rows = filterset.qs.order_by("pk")
    filters = {
        key: params.getlist(key) if hasattr(params, "getlist") else params[key] for key in params
    }
    audit_record(
        kind=AuditKind.EXPORTED,
        actor=user,
        summary=resource,
        details={"resource": resource, "rows": rows.count(), "filters": filters},
    )
    return rows


def _neutralise(dataset: tablib.Dataset) -> tablib.Dataset:
    for index, row in enumerate(dataset):
        cleaned = [neutralise_cell(v) for v in row]
        if cleaned != list(row):
            dataset[index] = cleaned
    return dataset


def _headers_language(user):
    """The user's own language when set (a token-authenticated API call or a worker has
    no request that activated it), else the active one (the browser's)."""
    if language_supported(getattr(user, "language", "")):
        return translation.override(user.language)
    return nullcontext()


def export_dataset(*, user, resource: str, params) -> tablib.Dataset:
    queryset = export_queryset(user=user, resource=resource, params=params)
    with _headers_language(user):
        return _neutralise(EXPORTABLE[resource].resource().export(queryset))


# Rows per chunk of a streamed CSV: few enough to keep memory flat, enough to keep the
# per-chunk overhead of the response small.
CSV_ROWS_PER_CHUNK = 1000


class _Lines:
    """A write-only "file" for csv.writer that hands each written line back."""

    def write(self, line: str) -> str:
        return line


def export_csv_chunks(*, user, resource: str, params):
    """The list as CSV bytes, chunk by chunk: a BOM and the header row first, then rows
    as the database cursor yields them (constant memory at any size; same cells as
    `export_dataset`, formulas neutralised). Filter errors raise ExportFilterError here,
    before the first byte, so they can still be a 400."""
    queryset = export_queryset(user=user, resource=resource, params=params)
    exporter = EXPORTABLE[resource].resource()
    fields_ = exporter.get_export_fields()

    def chunks():
        writer = csv.writer(_Lines())
        with _headers_language(user):
            # A BOM so Excel opens UTF-8 accents correctly.
            yield ("\ufeff" + writer.writerow(exporter.get_export_headers())).encode("utf-8")
            lines = []
            for obj in queryset.iterator(chunk_size=2000):
                cells = [neutralise_cell(exporter.export_field(f, obj)) for f in fields_]
                lines.append(writer.writerow(cells))
                if len(lines) == CSV_ROWS_PER_CHUNK:
                    yield "".join(lines).encode("utf-8")
                    lines = []
            if lines:
                yield "".join(lines).encode("utf-8")

    return chunks()


def render_export(dataset: tablib.Dataset, fmt: str) -> bytes:
    if fmt == "xlsx":
        return dataset.export("xlsx")
    # A BOM so Excel opens UTF-8 accents correctly.
    return ("\ufeff" + dataset.export("csv")).encode("utf-8")


# ISO 4217 minor units where they are not two.
CURRENCY_DECIMALS = {
    **dict.fromkeys(("JPY", "KRW", "VND", "CLP", "ISK", "UGX", "PYG", "XAF", "XOF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_SHEET_NAME_JUNK = re.compile(r"[\[\]:*?/\\]")


def money_format(currency: str) -> str:
    decimals = CURRENCY_DECIMALS.get((currency or "").upper(), 2)
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _typed(value):
    """(cell value, number format) as Excel should hold it."""
    if isinstance(value, Model):
        return value.pk, None
    if isinstance(value, bool) or value is None:
        return value, None
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the moment as the user's clock shows it (as the CSV).
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value, DATETIME_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    if isinstance(value, int | float | Decimal):
        return value, None
    return neutralise_cell(str(value)), None


def export_workbook(*, user, resource: str, params) -> bytes:
    """The list as an XLSX workbook with typed cells, on a sheet named after the list.

    Amounts are numbers shown with their currency's decimals, dates and times are dates,
    counts and ids are numbers; text that would run as a formula is a quote-prefixed
    string cell.
    """
    queryset = export_queryset(user=user, resource=resource, params=params)
    exporter = EXPORTABLE[resource].resource()
    fields_ = exporter.get_export_fields()
    model = EXPORTABLE[resource].model
    with _headers_language(user):
        headers = exporter.get_export_headers()
        title = _SHEET_NAME_JUNK.sub(" ", str(model._meta.verbose_name_plural).capitalize())
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)
    # Which columns a dehydrate_ method fills is known before the first row.
    dehydrated = [
        hasattr(exporter, f"dehydrate_{exporter.get_field_name(field)}") for field in fields_
    ]
    for obj in queryset.iterator(chunk_size=2000):
        currency = getattr(obj, "currency", "")
        row = []
        for export_field, by_method in zip(fields_, dehydrated, strict=True):
            if by_method:
                value = exporter.export_field(export_field, obj)
            else:
                value = export_field.get_value(obj)
            value, number_format = _typed(value)
            if isinstance(value, Decimal):
                number_format = money_format(currency)
            if isinstance(value, str) and restore_cell(value) != value:
                # XLSX can say "this is text" itself: the cell holds the person's text,
                # typed as a string and quote-prefixed, so Excel neither runs it nor
                # shows a guard quote (the CSV needs the quote; a re-import takes it off).
                cell = WriteOnlyCell(sheet, value=restore_cell(value))
                cell.data_type = "s"
                cell.quotePrefix = True
                row.append(cell)
            elif number_format:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
