from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api.fields import IntegerPrimaryKeyRelatedField
from crm.api.serializers.base import IdModelSerializer
from crm.limits import MAX_DATE, MIN_DATE
from crm.models import Campaign, Pipeline, Team, User
from metrics.models import ExchangeRate, KpiSnapshot
from metrics.scopes import Scope, ScopeType

# Dates outside this range are refused: they can only be typos, and far-off dates would
# overflow the date arithmetic of some KPIs (CLV looks a year back).
EARLIEST, LATEST = MIN_DATE, MAX_DATE
SCOPE_PARAMS = {
    "owner": ScopeType.OWNER,
    "team": ScopeType.TEAM,
    "pipeline": ScopeType.PIPELINE,
    "campaign": ScopeType.CAMPAIGN,
}


class KpiCatalogueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    description = serializers.CharField()
    formula = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField()
    reading = serializers.ChoiceField(choices=["period", "cohort"])
    definition = serializers.CharField(help_text="How the period is read, translated.")
    time_zone = serializers.CharField(help_text="Time zone of the period boundaries.")


class KpiQuerySerializer(serializers.Serializer):
    """Query string of GET /api/kpis/{key}/: a period and at most one scope."""

    start = serializers.DateField()
    end = serializers.DateField()
    owner = IntegerPrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    team = IntegerPrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    pipeline = IntegerPrimaryKeyRelatedField(queryset=Pipeline.objects.all(), required=False)
    campaign = IntegerPrimaryKeyRelatedField(queryset=Campaign.objects.all(), required=False)

    def validate(self, attrs):
        errors = {}
        for name in ("start", "end"):
            if not EARLIEST <= attrs[name] <= LATEST:
                errors[name] = [_("Pick a date between 1900 and 2999.")]
        if not errors and attrs["end"] <= attrs["start"]:
            errors["end"] = [_("The end must be after the start (the end day is excluded).")]
        given = [name for name in SCOPE_PARAMS if attrs.get(name) is not None]
        if len(given) > 1:
            errors["non_field_errors"] = [
                _("Choose at most one of owner, team, pipeline, campaign.")
            ]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["scope"] = Scope(SCOPE_PARAMS[given[0]], attrs[given[0]].pk) if given else None
        attrs["scope_param"] = given[0] if given else None
        return attrs


class KpiRecordsQuerySerializer(KpiQuerySerializer):
    """Query string of GET /api/kpis/{key}/records/: the KPI's, and a page from 1."""

    page = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)


class KpiRecordsPartSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="e.g. won, created, promoters")
    role = serializers.CharField(
        help_text="numerator, denominator, or averaged: the rows a mean is taken over "
        "(their count is the denominator, their summed durations the numerator)"
    )
    sign = serializers.IntegerField(help_text="-1 for rows subtracted (NPS detractors)")
    model = serializers.CharField(help_text="app_label.model of the ids, e.g. crm.deal")
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
    has_next = serializers.BooleanField()


class KpiRecordsSerializer(serializers.Serializer):
    """The records behind a KPI's value (documentation of the response)."""

    key = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    numerator = serializers.JSONField(allow_null=True)
    denominator = serializers.JSONField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    scope = serializers.DictField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    parts = KpiRecordsPartSerializer(many=True)


def json_number(value, *, is_money: bool = False):
    """Counts stay ints, money is a decimal string ("800.00"), other decimals are numbers."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        # Money is quantised to cents everywhere in metrics; ratios keep four places.
        if is_money or value.as_tuple().exponent == -2:
            return str(value)
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [json_number(item) for item in value]
    if isinstance(value, dict):
        return {name: json_number(item) for name, item in value.items()}
    return value if isinstance(value, int | float) else str(value)


def kpi_result_data(kpi, result, *, period, scope) -> dict:
    data = {
        "key": kpi.key,
        "name": str(kpi.name),
        "unit": kpi.unit,
        "direction": kpi.direction,
        "value": json_number(result.value, is_money="value" in result.money),
        "numerator": json_number(result.numerator, is_money="numerator" in result.money),
        "denominator": json_number(result.denominator, is_money="denominator" in result.money),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "scope": scope.as_dict(),
        # Periods are whole days [start, end) in this time zone (metrics.scopes.Period).
        "time_zone": settings.TIME_ZONE,
        "reading": kpi.reading,
    }
    if result.currency:
        data["currency"] = result.currency
    if result.extra:
        data["extra"] = {name: json_number(v) for name, v in result.extra.items()}
    if result.breakdown is not None:
        data["breakdown"] = [
            {name: json_number(v) for name, v in row.items()} for row in result.breakdown
        ]
    return data


class KpiSnapshotSerializer(IdModelSerializer):
    class Meta:
        model = KpiSnapshot
        fields = [
            "id",
            "kpi",
            "scope_type",
            "scope_id",
            "date",
            "value",
            "numerator",
            "denominator",
            "window_days",
            "definition_version",
            "computed_at",
        ]


class ExchangeRateSerializer(IdModelSerializer):
    """`rate` units of `currency` per 1 unit of the reporting currency from `valid_from`."""

    currency = serializers.CharField(
        max_length=3, help_text=_("ISO 4217 code of the currency, e.g. EUR.")
    )
    rate = serializers.DecimalField(
        max_digits=20,
        decimal_places=8,
        help_text=_("Units of this currency per 1 unit of the reporting currency."),
    )

    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "rate", "valid_from"]
        # (currency, valid_from) is checked by the service, with a field error.
        validators: list[Any] = []
