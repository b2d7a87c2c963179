"""/api/goals/ and /api/quotas/: thin views over goals.selectors and goals.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from crm.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin
from crm.api.permissions import PolicyPermission
from goals import selectors, services
from goals.api.serializers import (
    GoalChangeSerializer,
    GoalDetailSerializer,
    GoalSerializer,
    GoalTemplateSerializer,
    QuotaSerializer,
)
from goals.models import Goal, GoalStatus, Objective, Quota, QuotaPeriod, ScopeType
from goals.templates_catalog import TEMPLATES

SMART_400 = OpenApiResponse(
    description=(
        "The goal is not SMART: errors keyed by letter (`specific`, `measurable`, "
        "`achievable`, `relevant`, `time_bound`), each a list of sentences saying what is "
        "missing, alongside any field errors."
    )
)


def _service_call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ApiValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        ) from exc


class GoalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=GoalStatus.choices, help_text="Status as of the last recompute."
    )
    scope_type = filters.ChoiceFilter(choices=ScopeType.choices)
    objective = filters.ChoiceFilter(choices=Objective.choices)

    class Meta:
        model = Goal
        fields = ["status", "owner", "scope_type", "scope_id", "objective", "kpi", "parent"]


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: GoalDetailSerializer, 400: SMART_400},
    ),
    update=extend_schema(responses={200: GoalDetailSerializer, 400: SMART_400}),
    partial_update=extend_schema(responses={200: GoalDetailSerializer, 400: SMART_400}),
)
class GoalViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """SMART goals. Lists read the latest snapshot live (one query for the page); a
    single goal is read fully live, projection included.

    Send `reason` with an update to explain the change in the goal's history."""

    policy_resource = "goals"
    permission_classes = [PolicyPermission]
    filterset_class = GoalFilter
    search_fields = ["title", "plan"]
    ordering_fields = ["deadline", "start_date", "created_at", "title"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.goal_list_for_user(self.request.user)
        return selectors.goals_visible_to(self.request.user).select_related("owner")

    def get_serializer_class(self):
        return GoalSerializer if self.action == "list" else GoalDetailSerializer

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not selectors.goal_can_edit(
            request.user, obj
        ):
            raise PermissionDenied()

    def _respond(self, result, status_code):
        context = self.get_serializer_context() | {"warnings": result.warnings}
        return Response(GoalDetailSerializer(result.goal, context=context).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = _service_call(
            services.goal_create, actor=request.user, **serializer.validated_data
        )
        return self._respond(result, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        goal = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(goal, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        result = _service_call(
            services.goal_update,
            goal=goal,
            actor=request.user,
            reason=str(reason or ""),
            **serializer.validated_data,
        )
        return self._respond(result, status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        services.goal_delete(goal=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: GoalChangeSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Edits of the target, deadline, plan and other tracked fields, newest first."""
        changes = selectors.goal_history(self.get_object())
        return Response(GoalChangeSerializer(changes, many=True).data)

    @extend_schema(responses={200: GoalTemplateSerializer(many=True)}, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def templates(self, request):
        """The four goals of the source articles, pre-filled for today; post one back
        (edited as you like) to create it."""
        today = timezone.localdate()
        rows = []
        for template in TEMPLATES:
            values = template.initial(today=today)
            scope = {"type": values.pop("scope_type"), "id": values.pop("scope_id")}
            rows.append({"key": template.key, **values, "scope": scope})
        return Response(GoalTemplateSerializer(rows, many=True).data)


class QuotaFilter(filters.FilterSet):
    period = filters.ChoiceFilter(choices=QuotaPeriod.choices)
    covering = filters.DateFilter(method="filter_covering", label="Covering this date")

    class Meta:
        model = Quota
        fields = ["owner", "team", "period", "start"]

    def filter_covering(self, queryset, name, value):
        return queryset.covering(value)


class QuotaViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Quotas per rep or team per month or quarter, with attainment (won ÷ quota)."""

    policy_resource = "quotas"
    permission_classes = [PolicyPermission]
    serializer_class = QuotaSerializer
    filterset_class = QuotaFilter
    ordering_fields = ["start", "amount"]

    def get_queryset(self):
        return selectors.with_attainment(selectors.quotas_visible_to(self.request.user))

    def perform_create(self, serializer):
        serializer.instance = _service_call(
            services.quota_create, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        _service_call(
            services.quota_update,
            quota=serializer.instance,
            actor=self.request.user,
            **serializer.validated_data,
        )
        # The period may have moved: read the won value afresh.
        serializer.instance.__dict__.pop("won_value", None)

    def perform_destroy(self, instance):
        services.quota_delete(quota=instance, actor=self.request.user)
