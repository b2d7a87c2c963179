"""Dashboard and reports. Thin: pick the period and scope, call metrics' reads, render.

Who sees what: every role opens the dashboard (a rep only with their own figures).
Reports: sales performance for reps (their own row), managers and admins; pipeline
bottlenecks for managers and admins; support for support, managers and admins;
marketing for marketing, managers and admins. Anything else is a 403.
"""

import csv
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from crm import policies
from crm.db_router import reading_from_replica
from crm.models import Pipeline
from crm.policies import own_figures_only
from crm.web.access import web_view
from metrics import drilldown, registry, reports
from metrics.currency import reporting_currency
from metrics.dashboard import dashboard_cards
from metrics.forms import (
    SCOPE_MODELS,
    DashboardForm,
    KpiRecordsForm,
    PeriodForm,
    PipelineReportForm,
)
from metrics.scopes import Scope, ScopeType
from metrics.selectors import scope_for_user

# Report key -> (name, description); who reads each: crm.policies "reports.<key>".
REPORTS = {
    "sales": (
        _("Sales performance"),
        _("Won deals, close and win rates, cycle length, calls per lead and quota per rep."),
    ),
    "pipeline": (
        _("Pipeline bottlenecks"),
        _("Where open deals sit, how long they stay, stuck deals and the stage funnel."),
    ),
    "support": (
        _("Support"),
        _("Resolution time per agent, SLA breaches and the NPS trend."),
    ),
    "marketing": (
        _("Marketing"),
        _("Revenue, new customers, CAC and lead conversion per campaign."),
    ),
}


# Report columns that are a KPI's value for the row's rep or campaign: each cell opens the
# records behind it (metrics.drilldown). The marketing report's lead conversion counts
# conversions before the period's end, not the KPI's "as of now", so it is not linked.
SALES_CELLS = {
    "close_rate": "close_rate",
    "win_rate": "win_rate",
    "cycle_days": "sales_cycle_days",
    "calls_per_lead": "calls_per_lead",
    "quota_attainment": "quota_attainment",
}
MARKETING_CELLS = {
    "revenue": "campaign_revenue",
    "new_customers": "campaign_new_customers",
    "cac": "cac",
    "leads": "leads",
}
SUPPORT_CELLS = {"resolved": "avg_resolution_hours", "avg_hours": "avg_resolution_hours"}


def _link_cells(rows, period, id_field: str, cells: dict, *, scope=Scope.owner) -> None:
    """Give each row `records`: {column: the records page of that cell's KPI}."""
    for row in rows:
        row["records"] = {
            column: drilldown.records_url(key, period, scope(row[id_field]))
            for column, key in cells.items()
        }


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def _csv_response(
    filename: str, header: list, rows, *, money: bool = True, missing_rates=()
) -> HttpResponse:
    """A report as CSV. With `money`, amounts are in the reporting currency, named by a
    last "Currency" column, and amounts left out for want of an exchange rate are listed
    under the table, as the page lists them above it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The byte order mark tells Excel the file is UTF-8 (Şükrü, 김, ş stay themselves).
    response.write("\ufeff")
    writer = csv.writer(response)
    currency = [reporting_currency()] if money else []
    writer.writerow([str(h) for h in header] + ([_("Currency")] if money else []))
    for row in rows:
        # A leading = + - @ would be read as a formula by spreadsheet apps.
        writer.writerow(
            ["'" + v if isinstance(v, str) and v and v[0] in "=+-@" else v for v in row] + currency
        )
    if missing_rates:
        writer.writerow([])
        writer.writerow(
            [_("Left out of these totals, no exchange rate:")]
            + [f"{row['currency']} {row['date'].isoformat()}" for row in missing_rates]
        )
    return response


def _blank(value):
    return "" if value is None else value


@web_view("kpis")
@reading_from_replica()
def dashboard(request):
    form = DashboardForm(request.GET or None, user=request.user)
    period, scope = form.period_or_default(), form.scope_or_default()
    cards = dashboard_cards(period, scope)
    return render(
        request,
        "metrics/dashboard.html",
        {
            "form": form,
            "period": period,
            "scope": scope,
            "cards": cards,
            "sparklines": {card.kpi.key: card.series for card in cards},
            "own_only": own_figures_only(request.user),
        },
    )


@web_view("kpis")
@reading_from_replica()
def kpi_records(request, key):
    """The records counted in a KPI's numerator and denominator for a period and scope.

    The scope rules are the dashboard's: a rep sees their own figures only (another scope
    is a 403, as in the API); a KPI with no per-rep figure (CAC) is a 404 for them.
    """
    kpi = registry.KPIS.get(key)
    if kpi is None:
        raise Http404("No such KPI.")
    form = KpiRecordsForm(request.GET or None)
    scope = scope_for_user(request.user, form.requested_scope())
    context = {"form": form, "kpi": kpi, "scope": scope, "parts": [], "result": None}
    if not kpi.supports(scope.type):
        if own_figures_only(request.user):
            raise Http404("This KPI has no per-rep figure.")
        form.is_valid()
        form.add_error("scope", _("This KPI cannot be measured for that scope."))
    if form.is_bound and not form.is_valid():
        context["period"] = None
        return render(request, "metrics/kpi_records.html", context, status=400)
    period = form.period_or_default()
    context.update(
        period=period,
        scope_name=_scope_name(scope),
        result=kpi.function(period, scope),
        parts=drilldown.parts(kpi, period, scope, query=request.GET),
        dashboard_url=f"{reverse('metrics:dashboard')}?{drilldown.period_query(period, scope)}",
        # Opened from a report cell or a goal: "Back" returns there, not to the dashboard.
        back_url=_same_site_referer(request),
    )
    return render(request, "metrics/kpi_records.html", context)


def _same_site_referer(request) -> str:
    """The page the person came from, when it is one of ours other than the dashboard."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    if urlsplit(referer).path in (reverse("metrics:dashboard"), request.path):
        return ""
    return referer


def _scope_name(scope) -> str:
    if scope.type == ScopeType.COMPANY:
        return str(_("Whole company"))
    row = SCOPE_MODELS[scope.type].objects.filter(pk=scope.id).first()
    return str(row) if row else ""


@web_view("account")
def report_index(request):
    visible = [
        {"url": reverse(f"metrics:report_{key}"), "name": name, "description": description}
        for key, (name, description) in REPORTS.items()
        if policies.can_read(request.user, f"reports.{key}")
    ]
    if not visible:
        raise PermissionDenied
    return render(request, "metrics/reports/index.html", {"reports": visible})


@web_view("reports.sales")
@reading_from_replica()
def report_sales(request):
    form = PeriodForm(request.GET or None)
    period = form.period_or_default()
    only = request.user if own_figures_only(request.user) else None
    rows = reports.sales_performance(period, only_owner=only)
    missing = reports.sales_missing_rates(period, only_owner=only)
    if _wants_csv(request):
        return _csv_response(
            f"sales-performance-{period.start}-{period.end}.csv",
            [
                _("Rep"),
                _("Won deals"),
                _("Won value"),
                _("Close rate %"),
                _("Win rate %"),
                _("Sales cycle (days)"),
                _("Calls per lead"),
                _("Quota"),
                _("Quota attainment %"),
            ],
            (
                [
                    r["name"],
                    r["won_count"],
                    r["won_value"],
                    _blank(r["close_rate"]),
                    _blank(r["win_rate"]),
                    _blank(r["cycle_days"]),
                    _blank(r["calls_per_lead"]),
                    _blank(r["quota"]),
                    _blank(r["quota_attainment"]),
                ]
                for r in rows
            ),
            missing_rates=missing,
        )
    _link_cells(rows, period, "owner", SALES_CELLS)
    chart = {
        "labels": [r["name"] for r in rows],
        "won_value": [float(r["won_value"]) for r in rows],
        "won_count": [r["won_count"] for r in rows],
        "label": str(_("Won value")),
    }
    return render(
        request,
        "metrics/reports/sales.html",
        {
            "form": form,
            "period": period,
            "rows": rows,
            "chart": chart,
            "report": "sales",
            "missing_rates": missing,
        },
    )


@web_view("reports.pipeline")
@reading_from_replica()
def report_pipeline(request):
    form = PipelineReportForm(request.GET or None)
    period = form.period_or_default()
    pipeline = (
        form.cleaned_data.get("pipeline") if form.is_bound and form.is_valid() else None
    ) or (Pipeline.objects.first())
    data = reports.pipeline_bottlenecks(period, pipeline) if pipeline else None
    missing = reports.pipeline_missing_rates(pipeline) if pipeline else []
    if _wants_csv(request):
        rows = data["stages"] if data else []
        return _csv_response(
            f"pipeline-bottlenecks-{period.start}-{period.end}.csv",
            [
                _("Stage"),
                _("Open deals"),
                _("Share of open deals %"),
                _("Open value"),
                _("Mean days in stage"),
                _("Deals reaching the stage"),
                _("Conversion from previous stage %"),
            ],
            (
                [
                    r.stage.name,
                    r.open_count,
                    _blank(r.share),
                    r.open_value,
                    _blank(r.mean_days),
                    r.reached,
                    _blank(r.conversion),
                ]
                for r in rows
            ),
            missing_rates=missing,
        )
    chart = None
    if data:
        chart = {
            "labels": [r.stage.name for r in data["stages"]],
            "share": [float(r.share or 0) for r in data["stages"]],
            "biggest": [r.is_biggest for r in data["stages"]],
            "mean_days": [
                None if r.mean_days is None else float(r.mean_days) for r in data["stages"]
            ],
            "reached": [r.reached for r in data["stages"]],
        }
    biggest = next((r for r in data["stages"] if r.is_biggest), None) if data else None
    return render(
        request,
        "metrics/reports/pipeline.html",
        {
            "form": form,
            "period": period,
            "pipeline": pipeline,
            "data": data,
            "biggest": biggest,
            "chart": chart,
            "report": "pipeline",
            "missing_rates": missing,
        },
    )


@web_view("reports.support")
@reading_from_replica()
def report_support(request):
    form = PeriodForm(request.GET or None)
    period = form.period_or_default()
    data = reports.support_report(period)
    if _wants_csv(request):
        return _csv_response(
            f"support-{period.start}-{period.end}.csv",
            [
                _("Agent"),
                _("Tickets resolved"),
                _("Mean resolution (hours)"),
                _("Resolved after the SLA"),
                _("Unresolved past the SLA"),
            ],
            (
                [a["name"], a["resolved"], _blank(a["avg_hours"]), a["breached"], a["overdue"]]
                for a in data["agents"]
            ),
            money=False,
        )
    _link_cells(data["agents"], period, "agent", SUPPORT_CELLS)
    chart = {
        "agents": [a["name"] for a in data["agents"]],
        "avg_hours": [
            None if a["avg_hours"] is None else float(a["avg_hours"]) for a in data["agents"]
        ],
        "months": [m["month"].isoformat() for m in data["nps_trend"]],
        "nps": [None if m["nps"] is None else float(m["nps"]) for m in data["nps_trend"]],
        "label_hours": str(_("Mean resolution (hours)")),
        "label_nps": str(_("NPS")),
    }
    return render(
        request,
        "metrics/reports/support.html",
        {"form": form, "period": period, "data": data, "chart": chart, "report": "support"},
    )


@web_view("reports.marketing")
@reading_from_replica()
def report_marketing(request):
    form = PeriodForm(request.GET or None)
    period = form.period_or_default()
    rows = reports.marketing_report(period)
    missing = reports.marketing_missing_rates(period)
    if _wants_csv(request):
        return _csv_response(
            f"marketing-{period.start}-{period.end}.csv",
            [
                _("Campaign"),
                _("Revenue"),
                _("New customers"),
                _("Spend"),
                _("CAC"),
                _("Leads"),
                _("Lead conversion %"),
            ],
            (
                [
                    str(r["campaign"]),
                    r["revenue"],
                    r["new_customers"],
                    r["spend"],
                    _blank(r["cac"]),
                    r["leads"],
                    _blank(r["conversion"]),
                ]
                for r in rows
            ),
            missing_rates=missing,
        )
    for row in rows:
        row["campaign_id"] = row["campaign"].pk
    _link_cells(rows, period, "campaign_id", MARKETING_CELLS, scope=Scope.campaign)
    chart = {
        "labels": [str(r["campaign"]) for r in rows],
        "revenue": [float(r["revenue"]) for r in rows],
        "new_customers": [r["new_customers"] for r in rows],
        "cac": [None if r["cac"] is None else float(r["cac"]) for r in rows],
        "label_revenue": str(_("Revenue")),
        "label_customers": str(_("New customers")),
    }
    return render(
        request,
        "metrics/reports/marketing.html",
        {
            "form": form,
            "period": period,
            "rows": rows,
            "chart": chart,
            "report": "marketing",
            "missing_rates": missing,
        },
    )
