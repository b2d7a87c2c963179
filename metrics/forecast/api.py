"""GET /api/forecast/?period=&scope=: the same data as the forecast page."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.permissions import PolicyPermission
from crm.limits import date_in_range
from metrics.selectors import scope_for_user

from .report import forecast_report, parse_scope
from .service import PeriodKind


class ForecastQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PeriodKind.CHOICES, default=PeriodKind.MONTH)
    scope = serializers.CharField(
        required=False,
        max_length=40,
        help_text="company, team:<id>, owner:<id> or pipeline:<id>; a rep gets their own.",
    )

    def validate_scope(self, value):
        try:
            return parse_scope(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


MONEY: dict[str, Any] = {"max_digits": 20, "decimal_places": 2}


class ForecastPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(
        validators=[date_in_range],
    )
    end = serializers.DateField(validators=[date_in_range], help_text="exclusive")
    is_past = serializers.BooleanField()
    is_current = serializers.BooleanField()
    actual = serializers.DecimalField(**MONEY, help_text="won value closed in the period")
    won_deals = serializers.IntegerField()
    expected = serializers.DecimalField(**MONEY, help_text="sum of P(won) x value, open deals")
    forecast = serializers.DecimalField(**MONEY, help_text="actual + expected")
    low = serializers.DecimalField(**MONEY, help_text="10th percentile")
    high = serializers.DecimalField(**MONEY, help_text="90th percentile")
    open_deals = serializers.IntegerField()
    expected_deals = serializers.DecimalField(max_digits=12, decimal_places=2)
    commit = serializers.DecimalField(**MONEY)
    best_case = serializers.DecimalField(**MONEY)
    pipeline = serializers.DecimalField(**MONEY)
    target = serializers.DecimalField(**MONEY, allow_null=True, help_text="quotas")


class StageConversionSerializer(serializers.Serializer):
    pipeline = serializers.IntegerField()
    pipeline_name = serializers.CharField()
    stage = serializers.IntegerField()
    stage_name = serializers.CharField()
    configured_probability = serializers.DecimalField(max_digits=4, decimal_places=1)
    measured_probability = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    # A declared field: SerializerMetaclass moves it out of the class, so Field.source
    # (the attribute path DRF reads) is not shadowed at runtime.
    source = serializers.CharField(help_text="measured or configured")  # type: ignore[assignment]
    entered = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    days_to_close = serializers.FloatField(allow_null=True)
    typical_days_in_stage = serializers.FloatField(allow_null=True)


class AccuracyRowSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    taken_on = serializers.DateField()
    horizon = serializers.IntegerField(help_text="periods ahead when the forecast was made")
    forecast = serializers.DecimalField(**MONEY)
    actual = serializers.DecimalField(**MONEY)
    error = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)


class MapeSerializer(serializers.Serializer):
    horizon = serializers.IntegerField()
    mape = serializers.DecimalField(max_digits=12, decimal_places=1)
    periods = serializers.IntegerField()


class AccuracySerializer(serializers.Serializer):
    rows = AccuracyRowSerializer(many=True)
    mape = MapeSerializer(many=True)


class ScopeSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)


class MissingRateSerializer(serializers.Serializer):
    currency = serializers.CharField()
    date = serializers.DateField()


class ForecastSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = ScopeSerializer()
    currency = serializers.CharField()
    today = serializers.DateField()
    periods = ForecastPeriodSerializer(many=True)
    stages = StageConversionSerializer(many=True)
    accuracy = AccuracySerializer()
    missing_rates = MissingRateSerializer(many=True)


class ForecastView(APIView):
    """The pipeline forecast per month or quarter for a scope (metrics.forecast).

    Managers and admins ask for any scope; a rep gets their own deals' forecast, and
    naming any other scope is a 403. Marketing and support: 403.
    """

    policy_resource = "forecast"
    permission_classes = [IsAuthenticated, PolicyPermission]

    @extend_schema(parameters=[ForecastQuerySerializer], responses=ForecastSerializer)
    def get(self, request):
        query = ForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = scope_for_user(request.user, query.validated_data.get("scope"))
        report = forecast_report(kind=query.validated_data["period"], scope=scope)
        return Response(ForecastSerializer(report).data)
