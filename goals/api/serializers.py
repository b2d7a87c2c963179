"""Goals and quotas in JSON (PRODUCT.md section 7)."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api.fields import IntegerPrimaryKeyRelatedField
from crm.api.serializers.base import IdModelSerializer
from crm.models import Team, User
from goals import kpi_source, selectors
from goals.models import (
    Goal,
    GoalChange,
    GoalStatus,
    Objective,
    Quota,
    QuotaPeriod,
    ScopeType,
)

SCOPE_DESCRIPTION = (
    'What the goal is measured on. Written as an object `{"type": "rep", "id": 3}` or a '
    'string `"rep:3"`; `"company"` (or `{"type": "company"}`) has no id. Types: '
    "company, team, rep, pipeline, campaign. Always read back as an object."
)

# Decimals are written as strings ("62.9400"), like every decimal of the API; None while
# the KPI has no snapshot for the goal's scope.
NULLABLE_DECIMAL_STRING = {"type": "string", "format": "decimal", "nullable": True}


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ScopeType.values},
                    "id": {"type": "integer", "nullable": True},
                },
                "required": ["type"],
            },
            {"type": "string", "example": "rep:3"},
        ],
        "description": SCOPE_DESCRIPTION,
    }
)
class ScopeField(serializers.Field):
    default_error_messages = {
        "invalid": _('Give the scope as {{"type": "rep", "id": 3}} or "rep:3".'),
        "type": _("Scope type must be one of: company, team, rep, pipeline, campaign."),
        "id": _("This scope needs the id of the team, rep, pipeline or campaign."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", SCOPE_DESCRIPTION)
        super().__init__(source="*", **kwargs)

    def to_representation(self, goal):
        return {"type": goal.scope_type, "id": goal.scope_id}

    def to_internal_value(self, data):
        if isinstance(data, str):
            scope_type, _sep, raw_id = data.partition(":")
        elif isinstance(data, dict):
            scope_type, raw_id = data.get("type"), data.get("id")
        else:
            self.fail("invalid")
        if scope_type not in ScopeType.values:
            self.fail("type")
        if scope_type == ScopeType.COMPANY:
            return {"scope_type": scope_type, "scope_id": None}
        if isinstance(raw_id, bool):
            self.fail("id")
        try:
            scope_id = int(raw_id)
        except (TypeError, ValueError):
            self.fail("id")
        if scope_id <= 0 or scope_id > 2**62:
            self.fail("id")
        return {"scope_type": scope_type, "scope_id": scope_id}


class VisibleGoalField(IntegerPrimaryKeyRelatedField):
    """A parent goal must be one the user can see; others read as missing."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Goal.objects.none()
        return selectors.goals_visible_to(request.user)


class GoalSerializer(IdModelSerializer):
    """All input fields are optional here on purpose: the SMART check names each missing
    letter (`specific`, `measurable`, …) instead of a bare "this field is required"."""

    scope = ScopeField(required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kpi = serializers.CharField(max_length=60, required=False, allow_blank=True)
    objective = serializers.ChoiceField(choices=Objective.choices, required=False, allow_blank=True)
    # SerializerMetaclass moves declared fields out of the class, so DRF's Field.parent
    # (the enclosing serializer) is not shadowed at runtime.
    parent = VisibleGoalField(required=False, allow_null=True)  # type: ignore[assignment]
    owner = IntegerPrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    baseline = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text=_("Filled from the KPI at the start date when left out."),
    )
    target = serializers.DecimalField(
        max_digits=18, decimal_places=4, required=False, allow_null=True
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    direction = serializers.CharField(read_only=True)
    current_value = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    expected_progress = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    projection = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = [
            "id",
            "title",
            "plan",
            "kpi",
            "scope",
            "baseline",
            "target",
            "direction",
            "resources",
            "objective",
            "custom_objective",
            "parent",
            "start_date",
            "deadline",
            "owner",
            "created_by",
            "current_value",
            "progress",
            "expected_progress",
            "status",
            "projection",
            "currency",
            "computed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "computed_at", "created_at", "updated_at"]
        extra_kwargs = {
            "plan": {"required": False},
            "resources": {"required": False},
            "custom_objective": {"required": False},
        }

    def _reading(self, goal):
        cache = self.context.setdefault("readings", {})
        if goal.pk not in cache:
            today = timezone.localdate()
            if hasattr(goal, "live_current"):
                cache[goal.pk] = selectors.live_reading_from_annotation(goal, today=today)
            else:
                cache[goal.pk] = selectors.goal_reading(goal, today=today)
        return cache[goal.pk]

    @extend_schema_field(
        {
            "type": "string",
            "nullable": True,
            "description": "For a money KPI, the reporting currency of baseline, target and "
            "current value (amounts are converted at each one's own day's rate); else null.",
        }
    )
    def get_currency(self, goal):
        return kpi_source.money_currency(goal.kpi)

    @extend_schema_field(NULLABLE_DECIMAL_STRING)
    def get_current_value(self, goal):
        value = self._reading(goal).current_value
        return None if value is None else f"{value:f}"

    @extend_schema_field(
        {"type": "number", "nullable": True, "description": "Percent of the way to the target."}
    )
    def get_progress(self, goal):
        return self._reading(goal).progress

    @extend_schema_field({"type": "number", "description": "Percent expected by today (linear)."})
    def get_expected_progress(self, goal):
        return self._reading(goal).expected_progress

    @extend_schema_field(
        {
            "type": "string",
            "enum": [*GoalStatus.values, ""],
            "description": 'Empty ("") while the KPI has no snapshot for the scope.',
        }
    )
    def get_status(self, goal):
        return self._reading(goal).status

    @extend_schema_field(NULLABLE_DECIMAL_STRING)
    def get_projection(self, goal):
        value = self._reading(goal).projection
        return None if value is None else f"{value:f}"


class GoalDetailSerializer(GoalSerializer):
    children_progress = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()
    missing_rates = serializers.SerializerMethodField()
    forecast_at_deadline = serializers.SerializerMethodField()

    class Meta(GoalSerializer.Meta):
        fields = [
            *GoalSerializer.Meta.fields,
            "children_progress",
            "warnings",
            "missing_rates",
            "forecast_at_deadline",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "description": (
                "New revenue and quota attainment goals before their deadline: the KPI "
                "forecast from the open pipeline at the deadline (metrics.forecast) and, "
                "when it falls short, the new deals of the average won size to create and "
                "the day to create them by. Null for other KPIs."
            ),
            "properties": {
                "value": {"type": "string", "format": "decimal"},
                "deals_needed": {"type": "integer", "nullable": True},
                "create_by": {"type": "string", "format": "date", "nullable": True},
                "too_late": {
                    "type": "boolean",
                    "description": "create_by has passed: at the usual pace, deals created "
                    "now win after the deadline.",
                },
                "average_value": {"type": "string", "format": "decimal", "nullable": True},
                "currency": {"type": "string"},
            },
        }
    )
    def get_forecast_at_deadline(self, goal):
        forecast = kpi_source.forecast_at_deadline(
            goal.kpi,
            goal.scope_type,
            goal.scope_id,
            deadline=goal.deadline,
            target=goal.target,
            today=timezone.localdate(),
        )
        if forecast is None:
            return None
        return {
            "value": f"{forecast.value:f}",
            "deals_needed": forecast.deals_needed,
            "create_by": forecast.create_by.isoformat() if forecast.create_by else None,
            "too_late": forecast.too_late,
            "average_value": None
            if forecast.average_value is None
            else f"{forecast.average_value:f}",
            "currency": forecast.currency,
        }

    @extend_schema_field(
        {
            "type": "number",
            "nullable": True,
            "description": "Mean progress of the child goals (percent).",
        }
    )
    def get_children_progress(self, goal):
        return selectors.children_rollup(goal)[1]

    @extend_schema_field(
        {
            "type": "array",
            "items": {"type": "string"},
            "description": "Achievability warnings of the last create or update (never block).",
        }
    )
    def get_warnings(self, goal):
        return self.context.get("warnings", [])

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "currency": {"type": "string"},
                    "date": {"type": "string", "format": "date"},
                },
            },
            "description": "For a money KPI: amounts of the latest window left out of the "
            "current value for want of an exchange rate, as the goal page names them.",
        }
    )
    def get_missing_rates(self, goal):
        notes = selectors.goal_window_notes(goal)
        return [
            {"currency": row["currency"], "date": row["date"].isoformat()}
            for row in notes["missing_rates"]
        ]


class GoalChangeSerializer(IdModelSerializer):
    class Meta:
        model = GoalChange
        fields = ["id", "field", "old_value", "new_value", "changed_by", "changed_at", "reason"]


class GoalTemplateSerializer(serializers.Serializer):
    """A pre-filled goal from the source articles; edit it and post it to /api/goals/."""

    key = serializers.CharField()
    title = serializers.CharField()
    plan = serializers.CharField()
    resources = serializers.CharField()
    kpi = serializers.CharField()
    objective = serializers.CharField()
    scope = serializers.DictField()
    baseline = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    target = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    start_date = serializers.DateField()
    deadline = serializers.DateField()


class QuotaSerializer(IdModelSerializer):
    owner = IntegerPrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    team = IntegerPrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    period = serializers.ChoiceField(choices=QuotaPeriod.choices)
    start = serializers.DateField(
        help_text=_("Any day of the period; stored as the period's first day."),
    )
    won_value = serializers.SerializerMethodField()
    attainment = serializers.SerializerMethodField()

    class Meta:
        model = Quota
        fields = [
            "id",
            "owner",
            "team",
            "period",
            "start",
            "end",
            "amount",
            "won_value",
            "attainment",
            "created_at",
        ]
        read_only_fields = ["end", "created_at"]
        # Uniqueness per (rep or team, period) is checked by the model when the service
        # saves; DRF's generated validator would make both owner and team required.
        validators: list[Any] = []
        extra_kwargs = {"end": {"help_text": _("First day after the period (exclusive).")}}

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_won_value(self, quota):
        return f"{selectors.attainment_of(quota).won_value:.2f}"

    @extend_schema_field(
        {
            "type": "string",
            "format": "decimal",
            "nullable": True,
            "description": (
                "Won deal value ÷ quota, in percent: deals won while the quota runs by "
                "its rep, or by the team's members for a team quota."
            ),
        }
    )
    def get_attainment(self, quota):
        percent = selectors.attainment_of(quota).percent
        return None if percent is None else str(percent.quantize(Decimal("0.01"), ROUND_HALF_UP))
