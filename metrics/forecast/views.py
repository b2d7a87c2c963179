"""The forecast page: period and scope pickers, chart, periods, drill-down, accuracy.

Thin: validates the query like the API (same serializer), calls `forecast_report` (the
API's function) and, for a drill-down, `forecast_deals`. Bad parameters are a 400 page
with the field errors; a rep naming someone else's scope is a 403.
"""

from django import forms
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Pipeline, Role, Team, User
from crm.policies import own_figures_only
from crm.web.access import web_view
from metrics.forms import EARLIEST, LATEST
from metrics.scopes import ScopeType
from metrics.selectors import scope_for_user

from .api import ForecastQuerySerializer
from .report import forecast_report
from .service import PeriodKind, forecast_deals


def scope_choices(user) -> list:
    if own_figures_only(user):
        return [(f"{ScopeType.OWNER}:{user.pk}", gettext_lazy("My deals"))]
    reps = User.objects.filter(role=Role.REP, is_active=True).order_by("username")
    return [
        (ScopeType.COMPANY, gettext_lazy("Whole company")),
        (gettext_lazy("Teams"), [(f"team:{t.pk}", t.name) for t in Team.objects.order_by("name")]),
        (gettext_lazy("Reps"), [(f"owner:{u.pk}", str(u)) for u in reps]),
        (gettext_lazy("Pipelines"), [(f"pipeline:{p.pk}", p.name) for p in Pipeline.objects.all()]),
    ]


class ForecastForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PeriodKind.CHOICES)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices(user)


def period_label(kind: str, start) -> str:
    if kind == PeriodKind.QUARTER:
        return _("Q%(quarter)s %(year)s") % {
            "quarter": (start.month - 1) // 3 + 1,
            "year": start.year,
        }
    return formats.date_format(start, "YEAR_MONTH_FORMAT")


def _chart(report: dict) -> dict:
    periods = report["periods"]
    return {
        "labels": [period_label(report["period"], p["start"]) for p in periods],
        # A period not begun has nothing won yet: no point rather than a drop to zero.
        "actual": [None if p["start"] > report["today"] else float(p["actual"]) for p in periods],
        "forecast": [None if p["is_past"] else float(p["forecast"]) for p in periods],
        "low": [None if p["is_past"] else float(p["low"]) for p in periods],
        "high": [None if p["is_past"] else float(p["high"]) for p in periods],
        "target": [None if p["target"] is None else float(p["target"]) for p in periods],
        "label_actual": _("Won"),
        "label_forecast": _("Forecast"),
        "label_low": _("10th percentile"),
        "label_high": _("90th percentile"),
        "label_target": _("Target"),
    }


@web_view("forecast")
def forecast_page(request):
    query = ForecastQuerySerializer(data=request.GET)
    valid = query.is_valid()
    params = query.validated_data if valid else {}
    scope = scope_for_user(request.user, params.get("scope"))
    kind = params.get("period", PeriodKind.MONTH)
    initial = {
        "period": kind,
        "scope": "company" if scope.id is None else f"{scope.type}:{scope.id}",
    }
    form = ForecastForm(initial=initial, user=request.user)
    if not valid:
        return render(
            request, "metrics/forecast.html", {"form": form, "errors": query.errors}, status=400
        )
    report = forecast_report(kind=kind, scope=scope)
    for row in report["periods"]:
        row["label"] = period_label(kind, row["start"])
    for row in report["accuracy"]["rows"]:
        row["label"] = period_label(kind, row["period_start"])
    drill, drill_error = None, None
    if "drill" in request.GET:
        drill_field = forms.DateField()
        try:
            start = drill_field.clean(request.GET["drill"])
            if not EARLIEST <= start <= LATEST:
                raise forms.ValidationError(_("Pick dates between 1900 and 2999."))
        except forms.ValidationError as error:
            drill_error = error.messages
        else:
            drill = forecast_deals(kind=kind, scope=scope, start=start)
            drill["label"] = period_label(kind, drill["period"].start)
    base_query = {"period": kind, "scope": initial["scope"]}
    return render(
        request,
        "metrics/forecast.html",
        {
            "form": form,
            "report": report,
            "chart": _chart(report),
            "drill": drill,
            "drill_error": drill_error,
            "base_query": base_query,
            "own_only": own_figures_only(request.user),
            "missing_rates": report["missing_rates"],
        },
        status=400 if drill_error else 200,
    )
