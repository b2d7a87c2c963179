from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import filters, selectors
from crm.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from crm.api.serializers import (
    ActivitySerializer,
    DealSerializer,
    LeadConvertSerializer,
    LeadSerializer,
    PipelineSerializer,
    StageChangeSerializer,
    StageSerializer,
)
from crm.api.serializers.workspace import StageOrderSerializer
from crm.services import activities as activity_services
from crm.services import deals as deal_services
from crm.services import leads as lead_services
from crm.services import pipelines as pipeline_services

from .base import PolicyViewSet
from .bulk import BulkActionMixin


class LeadViewSet(BulkActionMixin, PolicyViewSet):
    policy_resource = "leads"
    selector = selectors.lead_list
    serializer_class = LeadSerializer
    filterset_class = filters.LeadFilter
    search_fields = ["contact__first_name", "contact__last_name", "contact__email"]
    ordering_fields = ["created_at", "score", "handed_off_at", "converted_at"]

    def create_record(self, *, actor, data):
        return lead_services.lead_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return lead_services.lead_update(lead=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        lead_services.lead_delete(lead=instance, actor=actor)

    @extend_schema(
        request=LeadConvertSerializer,
        responses={200: LeadSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description=(
            "Convert the lead: link `deal`, or open a new deal for its contact (title, "
            "value, pipeline, stage… optional). The lead's `deal` names the result."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def convert(self, request, pk=None):
        lead = self.get_object()
        serializer = LeadConvertSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        at = data.pop("converted_at", None)
        lead = lead_services.lead_convert(lead=lead, actor=request.user, at=at, **data)
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)


class PipelineViewSet(PolicyViewSet):
    policy_resource = "pipelines"
    selector = selectors.pipeline_list
    serializer_class = PipelineSerializer
    filterset_class = filters.PipelineFilter
    search_fields = ["name"]
    ordering_fields = ["name"]

    def create_record(self, *, actor, data):
        return pipeline_services.pipeline_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return pipeline_services.pipeline_update(pipeline=instance, actor=actor, data=data)

    @extend_schema(
        request=StageOrderSerializer,
        responses=PipelineSerializer,
        description="Put the pipeline's stages in the given order (every stage id, once); "
        "positions are rewritten in one transaction. The board shows the new order at once.",
    )
    @action(detail=True, methods=["post"], url_path="stage-order")
    def stage_order(self, request, pk=None):
        pipeline = self.get_object()
        body = StageOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pipeline_services.stage_reorder(
            pipeline=pipeline, actor=request.user, stage_ids=body.validated_data["stages"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pipeline.pk)).data)


class StageViewSet(PolicyViewSet):
    policy_resource = "stages"
    selector = selectors.stage_list
    serializer_class = StageSerializer
    filterset_class = filters.StageFilter
    search_fields = ["name"]
    ordering_fields = ["position", "name"]

    def create_record(self, *, actor, data):
        return pipeline_services.stage_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return pipeline_services.stage_update(stage=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        # Refused (400, naming the count) while deals are in the stage.
        pipeline_services.stage_delete(stage=instance, actor=actor)


class DealViewSet(BulkActionMixin, PolicyViewSet):
    """Deals. PATCH `stage` moves the deal (recorded in its stage history); PATCH
    `status` to `won` / `lost` (with `lost_reason`, optionally `closed_at`) closes it, and
    back to `open` reopens it."""

    policy_resource = "deals"
    selector = selectors.deal_list
    serializer_class = DealSerializer
    filterset_class = filters.DealFilter
    search_fields = ["title", "contact__first_name", "contact__last_name", "company__name"]
    ordering_fields = [
        "created_at",
        "closed_at",
        "value",
        "expected_close_date",
        "stage_entered_at",
        "title",
    ]

    def create_record(self, *, actor, data):
        return deal_services.deal_create(actor=actor, **data)

    @transaction.atomic
    def delete_record(self, instance, *, actor):
        deal_services.deal_delete(deal=instance, actor=actor)

    def update_record(self, deal, *, actor, data):
        return deal_services.deal_edit(deal=deal, actor=actor, data=data)

    @extend_schema(
        request=None,
        responses={200: StageChangeSerializer(many=True)},
        description="Every stay of the deal in a stage, oldest first; the current one is open.",
    )
    @action(detail=True, methods=["get"], url_path="stage-history", pagination_class=None)
    def stage_history(self, request, pk=None):
        deal = self.get_object()
        rows = selectors.deal_stage_history(deal=deal)
        return Response(StageChangeSerializer(rows, many=True).data)


class ActivityViewSet(BulkActionMixin, PolicyViewSet):
    """Calls, emails, meetings and tasks. Setting `done_at` completes one."""

    policy_resource = "activities"
    selector = selectors.activity_list
    serializer_class = ActivitySerializer
    filterset_class = filters.ActivityFilter
    search_fields = ["subject", "notes"]
    ordering_fields = ["due_at", "done_at", "created_at"]

    def create_record(self, *, actor, data):
        return activity_services.activity_create(actor=actor, **data)

    @transaction.atomic
    def delete_record(self, instance, *, actor):
        activity_services.activity_delete(activity=instance, actor=actor)

    def update_record(self, activity, *, actor, data):
        # `done_at` is a field like the others (a time completes, null reopens): one
        # service call, so a refused field leaves the completion unwritten too.
        return activity_services.activity_update(activity=activity, actor=actor, data=data)
