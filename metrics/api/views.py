import django_filters
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from crm.api.permissions import PolicyPermission
from crm.api.views.base import PolicyViewSet
from crm.db_router import reading_from_replica
from crm.policies import own_figures_only
from metrics import drilldown, registry
from metrics.exchange_rates import exchange_rate_delete, exchange_rate_save
from metrics.models import ExchangeRate, KpiSnapshot
from metrics.scopes import Period, ScopeType
from metrics.selectors import scope_for_user, snapshots_visible_to

from .serializers import (
    ExchangeRateSerializer,
    KpiCatalogueSerializer,
    KpiQuerySerializer,
    KpiRecordsQuerySerializer,
    KpiRecordsSerializer,
    KpiSnapshotSerializer,
    kpi_result_data,
)


def _catalogue_row(kpi) -> dict:
    return {
        "key": kpi.key,
        "name": str(kpi.name),
        "unit": kpi.unit,
        "direction": kpi.direction,
        "description": str(kpi.description),
        "formula": str(kpi.formula),
        "scopes": list(kpi.scopes),
        "version": kpi.version,
        "reading": kpi.reading,
        "definition": kpi.definition,
        "time_zone": settings.TIME_ZONE,
    }


class KpiViewSet(viewsets.ViewSet):
    """The KPI catalogue and one KPI computed live for a period and scope.

    A rep always gets their own figures: without a scope parameter the owner is the rep;
    naming another owner, a team, a pipeline or a campaign is a 403, as is a KPI that
    has no per-rep value (CAC, campaign revenue).
    """

    policy_resource = "kpis"
    permission_classes = [IsAuthenticated, PolicyPermission]
    lookup_field = "key"
    lookup_value_regex = "[a-z_]+"
    pagination_class = None

    @extend_schema(responses=KpiCatalogueSerializer(many=True))
    def list(self, request):
        return Response([_catalogue_row(kpi) for kpi in registry.KPIS.values()])

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="exclusive"),
            OpenApiParameter("owner", OpenApiTypes.INT),
            OpenApiParameter("team", OpenApiTypes.INT),
            OpenApiParameter("pipeline", OpenApiTypes.INT),
            OpenApiParameter("campaign", OpenApiTypes.INT),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @reading_from_replica()
    def retrieve(self, request, key=None):
        kpi, period, scope, _query = self._measure(request, key, KpiQuerySerializer)
        result = kpi.function(period, scope)
        return Response(kpi_result_data(kpi, result, period=period, scope=scope))

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="exclusive"),
            OpenApiParameter("owner", OpenApiTypes.INT),
            OpenApiParameter("team", OpenApiTypes.INT),
            OpenApiParameter("pipeline", OpenApiTypes.INT),
            OpenApiParameter("campaign", OpenApiTypes.INT),
            OpenApiParameter(
                "page",
                OpenApiTypes.INT,
                description=f"Page of every part's ids, {drilldown.API_PAGE_SIZE} a page",
            ),
        ],
        responses=KpiRecordsSerializer,
    )
    @action(detail=True, methods=["get"], url_path="records")
    @reading_from_replica()
    def records(self, request, key=None):
        """The records counted in the KPI's numerator and denominator (ids, a page at a
        time), from the same querysets as its value: each part's `count` is the figure."""
        kpi, period, scope, query = self._measure(request, key, KpiRecordsQuerySerializer)
        result = kpi.function(period, scope)
        page = query["page"]
        parts = []
        for rows in kpi.records(period, scope):
            count, ids, more = drilldown.ids_page(rows, page)
            parts.append(
                {
                    "key": rows.key,
                    "role": rows.role,
                    "sign": rows.sign,
                    "model": rows.queryset.model._meta.label_lower,
                    "count": count,
                    "ids": ids,
                    "has_next": more,
                }
            )
        data = kpi_result_data(kpi, result, period=period, scope=scope)
        return Response(
            {
                "key": kpi.key,
                "value": data["value"],
                "numerator": data["numerator"],
                "denominator": data["denominator"],
                "start": data["start"],
                "end": data["end"],
                "scope": data["scope"],
                "page": page,
                "page_size": drilldown.API_PAGE_SIZE,
                "parts": parts,
            }
        )

    def _measure(self, request, key, serializer_class):
        """(kpi, period, scope, validated query) for the KPI `key`: 404 for an unknown key,
        400 for a bad query, 403 for a rep asking for others' figures."""
        kpi = registry.KPIS.get(key)
        if kpi is None:
            raise NotFound("No such KPI.")
        query = serializer_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        # Django's PermissionDenied (a rep asking for others' figures) is DRF's 403.
        scope = scope_for_user(request.user, params["scope"])
        if not kpi.supports(scope.type):
            if own_figures_only(request.user):
                raise PermissionDenied(_("This KPI has no per-rep figure."))
            raise ValidationError(
                {
                    params["scope_param"] or "scope": [
                        f"{kpi.key} cannot be measured per {scope.type}."
                    ]
                }
            )
        return kpi, Period(params["start"], params["end"]), scope, params


class KpiSnapshotFilter(django_filters.FilterSet):
    kpi = django_filters.ChoiceFilter(choices=[(k, k) for k in registry.KPIS])
    scope_type = django_filters.ChoiceFilter(choices=ScopeType.CHOICES)
    scope_id = django_filters.NumberFilter(min_value=0)
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = KpiSnapshot
        fields = ["kpi", "scope_type", "scope_id", "date"]


class KpiSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored snapshots, filtered by `kpi`, `scope_type`, `scope_id`, `date_after`,
    `date_before` (both inclusive); a rep sees only their own (owner) snapshots."""

    policy_resource = "kpis"
    permission_classes = [IsAuthenticated, PolicyPermission]
    serializer_class = KpiSnapshotSerializer
    filterset_class = KpiSnapshotFilter
    ordering_fields = ["date", "kpi"]
    ordering = ["kpi", "scope_type", "scope_id", "date"]

    queryset = KpiSnapshot.objects.none()  # for the schema generator, which has no user

    def get_queryset(self):
        return snapshots_visible_to(self.request.user)

    # The handlers, not dispatch: authentication (session, token) stays on the primary,
    # where a token or session created a moment ago already is.
    @reading_from_replica()
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @reading_from_replica()
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class ExchangeRateViewSet(PolicyViewSet):
    """Exchange rates to the reporting currency; admins write, managers and admins read.

    Filter with `currency`; each row holds from `valid_from` until the next of its currency.
    """

    policy_resource = "exchange_rates"
    serializer_class = ExchangeRateSerializer
    filterset_fields = ["currency"]
    ordering_fields = ["currency", "valid_from"]
    ordering = ["currency", "-valid_from"]
    queryset = ExchangeRate.objects.none()  # for the schema generator, which has no user

    def get_queryset(self):
        return ExchangeRate.objects.all()

    def create_record(self, *, actor, data):
        return exchange_rate_save(
            currency=data["currency"], value=data["rate"], valid_from=data["valid_from"]
        )

    def update_record(self, instance, *, actor, data):
        return exchange_rate_save(
            rate=instance,
            currency=data.get("currency", instance.currency),
            value=data.get("rate", instance.rate),
            valid_from=data.get("valid_from", instance.valid_from),
        )

    def delete_record(self, instance, *, actor):
        exchange_rate_delete(rate=instance)
