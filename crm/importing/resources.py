"""Export of the CRM's lists through django-import-export resources.

Related records are written by name (owner username, company name, stage name) so the
file reads as a spreadsheet and can be imported again; the `id` column keeps the link to
the API. The rows come from one `values_list` query over a server-side cursor
(`export_rows`), the CSV is written line by line and the XLSX by a streaming SpreadsheetML
writer (`xlsx_stream`): constant memory and a constant number of queries at any size.
"""

import csv
import io
import re
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Concat, Trim
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet
from import_export import fields, resources

from crm import filters, policies
from crm.languages import language_supported
from crm.models import Activity, AuditKind, Company, Contact, Deal, Lead, Purchase, Ticket
from crm.services.audit import audit_record

from .export_rows import csv_rows, export_columns, export_value_rows
from .xlsx_stream import xlsx_chunks


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
    `export_csv_chunks` and `export_workbook_chunks` switch to the user's own language when
    they have one, so a token API call or a worker writes the same headers as the browser.
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

    # A contact's tags as one text, by name (the order of Tag.Meta), from a subquery of
    # the export's single query.
    export_expressions = {
        "tags": Subquery(
            Contact.tags.through.objects.filter(contact_id=OuterRef("pk"))
            .values("contact_id")
            .annotate(names=StringAgg("tag__name", ", ", order_by="tag__name"))
            # Annotated just above: the plugin does not follow annotate() after values().
            .values("names")  # type: ignore[misc]
        )
    }

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

    # Contact.full_name in SQL: names are stored stripped (forms and the importer strip
    # them), so trimming the spaces is the same as str.strip() there.
    export_expressions = {
        "contact_name": Trim(
            Concat(
                "contact__first_name",
                Value(" "),
                "contact__last_name",
                output_field=CharField(),
            )
        )
    }


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
    # The resource's one FilterSet (crm/filters), the list page's and the API's: an
    # export holds the rows that page or API list shows for the same query string.
    filterset: type[FilterSet]
    model: type[Activity | Company | Contact | Deal | Lead | Purchase | Ticket]


EXPORTABLE = {
    "contacts": Exportable(ContactResource, filters.ContactFilter, Contact),
    "companies": Exportable(CompanyResource, filters.CompanyFilter, Company),
    "deals": Exportable(DealResource, filters.DealFilter, Deal),
    "leads": Exportable(LeadResource, filters.LeadFilter, Lead),
    "activities": Exportable(ActivityResource, filters.ActivityFilter, Activity),
    "tickets": Exportable(TicketResource, filters.TicketFilter, Ticket),
    "purchases": Exportable(PurchaseResource, filters.PurchaseFilter, Purchase),
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
    filterset = spec.filterset(params, queryset=queryset)
    if not filterset.is_valid():
        raise ExportFilterError(filterset.errors)
    rows = filterset.qs.order_by("pk")
    asked = {
        key: params.getlist(key) if hasattr(params, "getlist") else params[key] for key in params
    }
    audit_record(
        kind=AuditKind.EXPORTED,
        actor=user,
        summary=resource,
        details={"resource": resource, "rows": rows.count(), "filters": asked},
    )
    return rows


def _headers_language(user):
    """The user's own language when set (a token-authenticated API call or a worker has
    no request that activated it), else the active one (the browser's)."""
    if language_supported(getattr(user, "language", "")):
        return translation.override(user.language)
    return nullcontext()


# Rows per chunk of a streamed CSV: few enough to keep memory flat, enough to keep the
# per-chunk overhead of the response small.
CSV_ROWS_PER_CHUNK = 1000


def export_csv_chunks(*, user, resource: str, params):
    """The list as CSV bytes, chunk by chunk: a BOM and the header row first, then rows
    as the database cursor yields them (constant memory at any size; formulas
    neutralised, numbers, dates and times as django-import-export writes them, in the
    user's language and the active time zone). Filter errors raise ExportFilterError
    here, before the first byte, so they can still be a 400."""
    queryset = export_queryset(user=user, resource=resource, params=params)
    exporter = EXPORTABLE[resource].resource()
    columns = export_columns(exporter)

    def chunks():
        out = io.StringIO()
        writer = csv.writer(out)
        with _headers_language(user):
            # A BOM so Excel opens UTF-8 accents correctly.
            out.write("\ufeff")
            writer.writerow(exporter.get_export_headers())
            lines = []
            for cells in csv_rows(export_value_rows(queryset, columns), columns):
                lines.append(cells)
                if len(lines) == CSV_ROWS_PER_CHUNK:
                    writer.writerows(lines)
                    lines = []
                    yield _take(out)
            writer.writerows(lines)
            yield _take(out)

    return chunks()


def _take(out: io.StringIO) -> bytes:
    """What was written to `out` as UTF-8, and `out` emptied."""
    data = out.getvalue().encode("utf-8")
    out.seek(0)
    out.truncate()
    return data


_SHEET_NAME_JUNK = re.compile(r"[\[\]:*?/\\]")


def export_workbook_chunks(*, user, resource: str, params):
    """The list as an XLSX workbook with typed cells on a sheet named after the list,
    in bytes chunk by chunk as the database cursor yields the rows (constant memory).

    Amounts are numbers shown with their currency's decimals, dates and times are dates
    (times in the active time zone, as the CSV), counts and ids are numbers; text that
    would run as a formula is a quote-prefixed string cell. Filter errors raise
    ExportFilterError here, before the first byte, so they can still be a 400.
    """
    queryset = export_queryset(user=user, resource=resource, params=params)
    exporter = EXPORTABLE[resource].resource()
    columns = export_columns(exporter)
    with _headers_language(user):
        headers = exporter.get_export_headers()
        title = str(EXPORTABLE[resource].model._meta.verbose_name_plural).capitalize()
    return xlsx_chunks(
        sheet_title=_SHEET_NAME_JUNK.sub(" ", title)[:31],
        headers=headers,
        columns=columns,
        rows=export_value_rows(queryset, columns),
    )
