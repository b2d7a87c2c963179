"""The forecast as the page and the API both hand it out: one function, one shape."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import Pipeline, Team, User
from metrics.scopes import Scope, ScopeType

from .accuracy import forecast_accuracy
from .service import SCOPE_TYPES, forecast_build, quantize_share


def parse_scope(value: str) -> Scope:
    """`company`, `team:<id>`, `owner:<id>` or `pipeline:<id>` of an existing row.

    Raises django.core.exceptions.ValidationError with a message for the field.
    """
    if value == ScopeType.COMPANY:
        return Scope.company()
    kind, _sep, pk = value.partition(":")
    models: dict[str, type[Team] | type[User] | type[Pipeline]] = {
        ScopeType.TEAM: Team,
        ScopeType.OWNER: User,
        ScopeType.PIPELINE: Pipeline,
    }
    if kind not in SCOPE_TYPES or kind not in models or not pk.isdigit() or len(pk) > 18:
        raise ValidationError(
            _("Use company, team:<id>, owner:<id> or pipeline:<id>."), code="invalid"
        )
    if not models[kind].objects.filter(pk=int(pk)).exists():
        raise ValidationError(_("There is no such team, rep or pipeline."), code="missing")
    return Scope(kind, int(pk))


def forecast_report(*, kind: str, scope: Scope, now: datetime | None = None) -> dict:
    """{"period", "scope", "currency", "today", "periods": [...], "stages": [...],
    "accuracy": {"rows", "mape"}, "missing_rates"}: `forecast_build` and
    `forecast_accuracy` as plain data (Decimal money in the reporting currency, dates,
    probabilities as percent numbers with one decimal). GET /api/forecast/ returns exactly
    this; the forecast page renders it.
    """
    forecast = forecast_build(kind=kind, scope=scope, now=now)
    return {
        "period": kind,
        "scope": scope.as_dict(),
        "currency": forecast.currency,
        "today": forecast.today,
        "periods": [
            {
                "start": p.start,
                "end": p.end,
                "is_past": p.is_past,
                "is_current": p.is_current,
                "actual": p.actual,
                "won_deals": p.won_deals,
                "expected": p.expected,
                "forecast": p.forecast,
                "low": p.low,
                "high": p.high,
                "open_deals": p.open_deals,
                "expected_deals": p.expected_deals,
                "commit": p.by_category["commit"],
                "best_case": p.by_category["best_case"],
                "pipeline": p.by_category["pipeline"],
                "target": p.target,
            }
            for p in forecast.periods
        ],
        "stages": [
            {
                "pipeline": c.pipeline_id,
                "pipeline_name": c.pipeline_name,
                "stage": c.stage_id,
                "stage_name": c.stage_name,
                "configured_probability": quantize_share(c.configured_probability),
                "measured_probability": None
                if c.measured_probability is None
                else quantize_share(c.measured_probability),
                "source": c.source,
                "entered": c.entered,
                "won": c.won,
                "lost": c.lost,
                "days_to_close": None if c.days_to_close is None else round(c.days_to_close, 1),
                "typical_days_in_stage": None
                if c.typical_days_in_stage is None
                else round(c.typical_days_in_stage, 1),
            }
            for c in forecast.conversions
        ],
        "accuracy": forecast_accuracy(kind=kind, scope=scope, now=now),
        "missing_rates": forecast.missing_rates,
    }
