"""Automation endpoints: rules (with dry run), the run log, campaigns, enrollments."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from automation import selectors
from automation.dry_run import rule_dry_run
from automation.registry import registry_describe
from automation.services.campaigns import campaign_create, campaign_delete, campaign_update
from automation.services.enrollments import enrollment_create, enrollment_exit
from automation.services.rules import rule_create, rule_delete, rule_update
from crm.api.idempotency import IdempotentCreateMixin
from crm.api.permissions import PolicyPermission

from .filters import EnrollmentFilter, RunFilter
from .serializers import (
    CampaignSerializer,
    DryRunQuerySerializer,
    EnrollmentExitSerializer,
    EnrollmentSerializer,
    RuleSerializer,
    RunSerializer,
)


class RuleViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """Automation rules: marketing and admins write, managers read."""

    policy_resource = "automation"
    # A dry run only reads, so readers may try rules too.
    policy_read_actions = ("dry_run",)
    permission_classes = [IsAuthenticated, PolicyPermission]
    serializer_class = RuleSerializer
    filterset_fields = ["enabled"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def get_queryset(self):
        return selectors.rule_list().order_by("name", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = rule_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = rule_update(
            rule=serializer.instance, actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        rule_delete(rule=instance, actor=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="Window in days (1–365)")],
        request=None,
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request, pk=None):
        """What the rule would have done over the past N days; writes nothing."""
        query = DryRunQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = rule_dry_run(rule=self.get_object(), days=query.validated_data["days"])
        return Response(report.as_dict())


class RunViewSet(viewsets.ReadOnlyModelViewSet):
    """The run log: one row per rule and triggering event."""

    policy_resource = "automation"
    permission_classes = [IsAuthenticated, PolicyPermission]
    serializer_class = RunSerializer
    filterset_class = RunFilter
    ordering_fields = ["started_at"]

    def get_queryset(self):
        return selectors.run_list().order_by("-started_at", "-id")


class CampaignViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    policy_resource = "campaigns"
    permission_classes = [IsAuthenticated, PolicyPermission]
    serializer_class = CampaignSerializer
    filterset_fields = ["is_active", "owner"]
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.campaign_list().order_by("name")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        campaign = campaign_create(actor=self.request.user, **data)
        serializer.instance = self._with_counts(campaign)

    def perform_update(self, serializer):
        campaign = campaign_update(
            campaign=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )
        serializer.instance = self._with_counts(campaign)

    def _with_counts(self, campaign):
        # The services return the bare row; `active_enrollments` is an annotation.
        return self.get_queryset().get(pk=campaign.pk)

    def perform_destroy(self, instance):
        campaign_delete(campaign=instance, actor=self.request.user)


class EnrollmentViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Who is in which campaign. Enrolling by hand and exits; rules enroll on their own."""

    policy_resource = "campaigns"
    permission_classes = [IsAuthenticated, PolicyPermission]
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter

    def get_queryset(self):
        return selectors.enrollment_list().order_by("-enrolled_at", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = enrollment_create(
            campaign=data["campaign"], contact=data["contact"], enrolled_at=data.get("enrolled_at")
        )

    @extend_schema(request=EnrollmentExitSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        enrollment = get_object_or_404(self.get_queryset(), pk=pk)
        body = EnrollmentExitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enrollment = enrollment_exit(enrollment=enrollment, reason=body.validated_data["reason"])
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_200_OK)


class RegistryView(APIView):
    """Triggers with their fields, operators per field type, and actions with parameters."""

    policy_resource = "automation"
    permission_classes = [IsAuthenticated, PolicyPermission]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(registry_describe())
