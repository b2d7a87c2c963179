"""Browser pages: import wizard, duplicates and merge, data quality, export downloads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import policies
from crm.models import Company, Contact, ImportStatus, MergeKind, MergeLog
from crm.services.contacts import contact_update
from crm.web.access import require_read, web_view

from . import selectors, services
from .encodings import encoding_label
from .formats import DATE_ORDERS, NUMBER_FORMATS
from .forms import (
    AssignOwnerForm,
    ColumnFormatForm,
    EncodingForm,
    MappingForm,
    MergeForm,
    UploadForm,
)
from .merges import SPECS, default_choices, record_merge, related_counts, undo_merge
from .resources import (
    EXPORTABLE,
    FORMATS,
    ExportFilterError,
    export_csv_chunks,
    export_workbook_chunks,
)
from .schema import FIELDS_BY_KIND

# --- imports ----------------------------------------------------------------------------


def _import_job(request, pk):
    return selectors.import_job_get(user=request.user, pk=pk)


@web_view("imports")
@require_http_methods(["GET", "POST"])
def import_start(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                form.add_error("file", message)
        else:
            return redirect("importing:mapping", pk=job.pk)
    jobs = selectors.import_job_list(user=request.user)[:20]
    return render(
        request, "importing/start.html", {"form": form, "jobs": jobs}, status=_status(form)
    )


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@web_view("imports")
@require_http_methods(["GET", "POST"])
def import_mapping(request, pk):
    job = _import_job(request, pk)
    if job.status != ImportStatus.DRAFT:
        return redirect("importing:detail", pk=job.pk)
    form = MappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_job_set_mapping(
                job=job,
                actor=request.user,
                mapping=form.mapping(),
                duplicate_policy=form.cleaned_data["duplicate_policy"] or job.duplicate_policy,
                automate=form.cleaned_data["automate"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect("importing:preview", pk=job.pk)
    return render(
        request,
        "importing/mapping.html",
        {"job": job, "form": form, "fields": FIELDS_BY_KIND[job.kind]},
        status=_status(form),
    )


@web_view("imports")
@require_http_methods(["GET", "POST"])
def import_preview(request, pk):
    """Every row checked; the character set and each column's format can be changed here.

    POST `action=encoding` reads the file again in another character set (refused, with
    the reason on this page, when the file does not decode in it), `action=formats`
    answers how number and date columns are written, and a plain POST starts the import.
    """
    job = _import_job(request, pk)
    if job.status != ImportStatus.DRAFT:
        return redirect("importing:detail", pk=job.pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    encoding_form = EncodingForm(request.POST if action == "encoding" else None, job=job)
    problems: list[str] = []
    if action == "encoding":
        if encoding_form.is_valid():
            try:
                services.import_job_set_encoding(
                    job=job, actor=request.user, encoding=encoding_form.cleaned_data["encoding"]
                )
            except ValidationError as exc:
                problems = exc.messages
            else:
                return redirect("importing:preview", pk=job.pk)
        else:
            problems = [e for errors in encoding_form.errors.values() for e in errors]
        job.refresh_from_db()
    elif action == "formats":
        readings = selectors.job_column_readings(job=job, table=selectors.job_table(job))
        form = ColumnFormatForm(request.POST, readings=readings)
        if form.is_valid():
            try:
                services.import_job_set_column_formats(
                    job=job, actor=request.user, answers=form.answers()
                )
            except ValidationError as exc:
                problems = exc.messages
            else:
                return redirect("importing:preview", pk=job.pk)
        else:
            problems = [
                f"{form.fields[name].label}: {error}"
                for name, errors in form.errors.items()
                for error in errors
            ]
    elif request.method == "POST":
        try:
            services.import_job_start(job=job, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            if "options" in getattr(exc, "error_dict", {}):
                return redirect("importing:preview", pk=job.pk)
            return redirect("importing:mapping", pk=job.pk)
        return redirect("importing:detail", pk=job.pk)
    preview = selectors.import_preview(job=job)
    context = {
        "job": job,
        "preview": preview,
        "encoding_form": EncodingForm(job=job) if action != "encoding" else encoding_form,
        "encoding_label": encoding_label(job.encoding) if job.encoding else "",
        "detected_label": encoding_label(job.detected_encoding) if job.detected_encoding else "",
        "format_form": ColumnFormatForm(readings=preview.readings),
        "problems": problems,
    }
    return render(request, "importing/preview.html", context, status=400 if problems else 200)


@web_view("imports")
@require_GET
def import_detail(request, pk):
    job = _import_job(request, pk)
    if job.status == ImportStatus.DRAFT:
        return redirect("importing:mapping", pk=job.pk)
    written = dict(NUMBER_FORMATS + DATE_ORDERS)
    columns = [
        {**column, "written": written[column["format"]]}
        for column in selectors.import_job_column_formats(job)
        if column["format"] in written
    ]
    context = {
        "job": job,
        "encoding_label": encoding_label(job.encoding) if job.encoding else "",
        "columns": columns,
    }
    return render(request, "importing/detail.html", context)


@web_view("imports")
@require_GET
def import_progress(request, pk):
    """The progress partial htmx polls; it stops polling once the job has finished."""
    job = _import_job(request, pk)
    return render(request, "importing/_progress.html", {"job": job})


@web_view("imports")
@require_POST
def import_resume(request, pk):
    job = _import_job(request, pk)
    try:
        services.import_job_resume(job=job, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("importing:detail", pk=job.pk)


def _csv_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@web_view("imports")
@require_GET
def import_errors(request, pk):
    job = _import_job(request, pk)
    content = selectors.error_report_csv(selectors.job_errors(job))
    return _csv_download(content, f"import-{job.pk}-errors.csv")


@web_view("imports")
@require_GET
def import_preview_errors(request, pk):
    job = _import_job(request, pk)
    preview = selectors.import_preview(job=job)
    return _csv_download(
        selectors.error_report_csv(preview.errors), f"import-{job.pk}-preview-errors.csv"
    )


@web_view("imports")
@require_GET
def import_template(request, kind):
    """An empty file with every column this kind of import understands."""
    if kind not in FIELDS_BY_KIND:
        raise Http404
    header = ",".join(spec.name for spec in FIELDS_BY_KIND[kind]) + "\r\n"
    # A BOM like every CSV Goalpost writes, so Excel keeps what users type in it as UTF-8.
    return _csv_download(("\ufeff" + header).encode("utf-8"), f"goalpost-{kind}.csv")


# --- duplicates and merge ---------------------------------------------------------------

RULES = {
    MergeKind.CONTACT: (("email", _("Same email")), ("name", _("Same name and company"))),
    MergeKind.COMPANY: (("domain", _("Same domain")), ("name", _("Same name"))),
}


def _merge_kind(kind: str):
    if kind not in SPECS:
        raise Http404
    return SPECS[kind]


@web_view("merges")
@require_GET
def duplicates(request):
    kind = request.GET.get("kind", MergeKind.CONTACT)
    spec = _merge_kind(kind)
    rules = dict(RULES[kind])
    rule = request.GET.get("rule") or next(iter(rules))
    if rule not in rules:
        raise Http404
    groups = selectors.duplicate_groups(user=request.user, kind=kind, rule=rule)
    return render(
        request,
        "importing/duplicates.html",
        {
            "kind": kind,
            "rule": rule,
            "kinds": [(k, SPECS[k].label) for k in SPECS],
            "rules": RULES[kind],
            "groups": groups,
            "label": spec.label,
        },
    )


def _visible(user, spec, pk):
    obj = policies.scope(user, spec.resource, spec.model.objects.all()).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@web_view("merges")
@require_http_methods(["GET", "POST"])
def merge(request, kind, winner_pk, loser_pk):
    spec = _merge_kind(kind)
    winner, loser = _visible(request.user, spec, winner_pk), _visible(request.user, spec, loser_pk)
    if winner.pk == loser.pk:
        raise Http404
    from .merges import merge_access_check

    merge_access_check(request.user, spec, winner, loser)
    form = MergeForm(
        request.POST or None,
        kind=kind,
        winner=winner,
        loser=loser,
        initial_choices=default_choices(spec, winner, loser),
    )
    if request.method == "POST" and form.is_valid():
        try:
            log = record_merge(
                kind=kind,
                actor=request.user,
                winner=winner,
                loser=loser,
                choices=form.choices(),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Merged “%(loser)s” into “%(winner)s”.")
                % {"loser": log.loser_label, "winner": log.winner_label},
            )
            return redirect("importing:merge_log", pk=log.pk)
    return render(
        request,
        "importing/merge.html",
        {
            "spec": spec,
            "kind": kind,
            "winner": winner,
            "loser": loser,
            "form": form,
            "moves": related_counts(spec.model, loser),
        },
        status=_status(form),
    )


def _merge_logs(user):
    logs = MergeLog.objects.select_related("merged_by", "undone_by")
    return policies.scope(user, "merges", logs)


@web_view("merges")
@require_GET
def merge_list(request):
    page = Paginator(_merge_logs(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "importing/merges.html", {"page": page})


@web_view("merges")
@require_GET
def merge_log(request, pk):
    log = _merge_logs(request.user).filter(pk=pk).first()
    if log is None:
        raise Http404
    return render(request, "importing/merge_log.html", {"log": log})


@web_view("merges")
@require_POST
def merge_undo(request, pk):
    log = _merge_logs(request.user).filter(pk=pk).first()
    if log is None:
        raise Http404
    try:
        undo_merge(log=log, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The merge was undone."))
    return redirect("importing:merge_log", pk=log.pk)


# --- data quality -----------------------------------------------------------------------


@web_view("contacts")
@require_GET
def quality(request):
    counts = selectors.data_quality_counts(user=request.user)
    return render(request, "importing/quality.html", {"counts": counts})


QUALITY_TITLES = {
    "contacts-without-email": _("Contacts without email"),
    "contacts-without-owner": _("Contacts without owner"),
    "stale-deals": _("Stale deals"),
}
# Each list's rows as an export: the resource and the export filter that selects them.
QUALITY_EXPORTS = {
    "contacts-without-email": ("contacts", "missing=email"),
    "contacts-without-owner": ("contacts", "missing=owner"),
    "stale-deals": ("deals", "stale=true"),
}


def detail_url(obj) -> str:
    """A link to the record's own page when the web layer has one."""
    name = {Contact: "web:contact_detail", Company: "web:company_detail"}.get(type(obj))
    name = name or "web:deal_detail"
    try:
        return reverse(name, args=[obj.pk])
    except NoReverseMatch:
        return ""


@web_view("account")
@require_http_methods(["GET", "POST"])
def quality_list(request, slug):
    if slug not in selectors.QUALITY_LISTS:
        raise Http404
    resource = "deals" if slug == "stale-deals" else "contacts"
    require_read(request.user, resource)
    queryset = selectors.QUALITY_LISTS[slug](user=request.user)
    joins = ("stage", "owner", "contact") if resource == "deals" else ("company", "owner")
    queryset = queryset.select_related(*joins).order_by("pk")
    form = None
    if slug == "contacts-without-owner" and request.user.sees_all_sales:
        form = AssignOwnerForm(request.POST or None, contacts=queryset)
        if request.method == "POST" and form.is_valid():
            for contact in form.cleaned_data["contacts"]:
                contact_update(
                    contact=contact, actor=request.user, data={"owner": form.cleaned_data["owner"]}
                )
            messages.success(request, _("Owners assigned."))
            return redirect("importing:quality_list", slug=slug)
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    rows = [(obj, detail_url(obj)) for obj in page]
    return render(
        request,
        "importing/quality_list.html",
        {
            "slug": slug,
            "title": QUALITY_TITLES[slug],
            "page": page,
            "rows": rows,
            "form": form,
            "is_deals": resource == "deals",
            "export_resource": QUALITY_EXPORTS[slug][0],
            "export_query": QUALITY_EXPORTS[slug][1],
        },
        status=_status(form) if form else 200,
    )


# --- export -----------------------------------------------------------------------------


@web_view("account")
@require_GET
def export(request, resource, fmt):
    """`/export/contacts.csv?q=&lifecycle=…`: the list with its filters, as a file."""
    if resource not in EXPORTABLE or fmt not in FORMATS:
        raise Http404
    require_read(request.user, resource)
    content_type, extension = FORMATS[fmt]
    write = export_workbook_chunks if fmt == "xlsx" else export_csv_chunks
    try:
        # Streamed: 50,000 rows start arriving at once and never sit in memory whole.
        chunks = write(user=request.user, resource=resource, params=request.GET)
    except ExportFilterError as exc:
        lines = [f"{field}: {' '.join(errors)}" for field, errors in exc.errors.items()]
        return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(resource)}.{extension}"'
    return response
