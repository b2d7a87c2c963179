"""Marketing endpoints: steps, variants, plans, segments, scoring, sends, codes, surveys.

The campaign and enrollment resources themselves are the automation app's
(/api/campaigns/, /api/enrollments/); these add what runs them.
"""

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from automation.marketing import selectors
from automation.marketing.models import (
    CampaignPlan,
    CampaignStep,
    DiscountCode,
    DiscountReason,
    EmailSend,
    NpsSurvey,
    ScoringRule,
    StepVariant,
)
from automation.marketing.scoring import score_explain, scoring_model_get
from automation.marketing.segmenting import (
    check_segment_conditions,
    segment_contacts,
    segment_describe,
)
from automation.marketing.services.campaigns import (
    campaign_plan_get,
    campaign_plan_update,
    step_create,
    step_delete,
    step_update,
    variant_create,
    variant_delete,
    variant_update,
)
from automation.marketing.services.enrollments import campaign_enroll_segment
from automation.marketing.services.offers import discount_code_issue, nps_survey_send
from automation.marketing.services.scoring import (
    scoring_model_update,
    scoring_rule_create,
    scoring_rule_delete,
    scoring_rule_update,
)
from automation.marketing.services.segments import segment_create, segment_delete, segment_update
from crm import policies
from crm.api.idempotency import IdempotentCreateMixin
from crm.api.permissions import PolicyPermission
from crm.models import Campaign, Contact

from .serializers import (
    CampaignPlanSerializer,
    DiscountCodeSerializer,
    EmailSendSerializer,
    NpsSurveySerializer,
    ScoringModelSerializer,
    ScoringRuleSerializer,
    SegmentEnrollSerializer,
    SegmentPreviewSerializer,
    SegmentSerializer,
    StepSerializer,
    VariantSerializer,
)

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

AUDIENCE_COUNT = inline_serializer("SegmentCount", {"count": serializers.IntegerField()})


class _Policy:
    policy_resource = "marketing"
    # APIView's own annotation (an attribute both bases define must agree on it).
    permission_classes: "Sequence[_PermissionClass]" = [IsAuthenticated, PolicyPermission]


class CampaignStepViewSet(_Policy, IdempotentCreateMixin, viewsets.ModelViewSet):
    """Ordered steps of a campaign; editable while enrollments run."""

    serializer_class = StepSerializer
    filterset_fields = ["campaign", "kind"]
    ordering_fields = ["position"]

    def get_queryset(self):
        return CampaignStep.objects.prefetch_related("variants__languages").order_by(
            "campaign_id", "position"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        step = step_create(
            campaign=data.pop("campaign"),
            actor=self.request.user,
            kind=data["kind"],
            position=data.get("position"),
            wait_amount=data.get("wait_amount"),
            wait_unit=data.get("wait_unit") or "",
            subject=data.get("subject", ""),
            body=data.get("body", ""),
            languages=data.get("languages"),
        )
        serializer.instance = self.get_queryset().get(pk=step.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        for name in ("campaign", "subject", "body"):
            data.pop(name, None)
        step = step_update(step=serializer.instance, actor=self.request.user, data=data)
        serializer.instance = self.get_queryset().get(pk=step.pk)

    def perform_destroy(self, instance):
        step_delete(step=instance, actor=self.request.user)


class StepVariantViewSet(_Policy, IdempotentCreateMixin, viewsets.ModelViewSet):
    """A/B variants of an email step: two or more split the step's recipients evenly."""

    serializer_class = VariantSerializer
    filterset_fields = ["step"]

    def get_queryset(self):
        return StepVariant.objects.prefetch_related("languages").order_by("step_id", "label", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        variant = variant_create(step=data.pop("step"), actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=variant.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("step", None)
        variant = variant_update(variant=serializer.instance, actor=self.request.user, data=data)
        serializer.instance = self.get_queryset().get(pk=variant.pk)

    def perform_destroy(self, instance):
        variant_delete(variant=instance, actor=self.request.user)


class CampaignPlanViewSet(
    _Policy, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """A campaign's audience segment and welcome-series flag, addressed by campaign id."""

    serializer_class = CampaignPlanSerializer
    lookup_field = "campaign"

    def get_object(self):
        campaign = get_object_or_404(Campaign, pk=self.kwargs["campaign"])
        plan = campaign_plan_get(campaign)
        self.check_object_permissions(self.request, plan)
        return plan

    def get_queryset(self):
        return CampaignPlan.objects.all()

    def perform_update(self, serializer):
        serializer.instance = campaign_plan_update(
            campaign=serializer.instance.campaign,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def report(self, request, campaign=None):
        """Enrolled, sent, opened, clicked, replied, converted, revenue; A/B results per step."""
        campaign = get_object_or_404(Campaign, pk=campaign)
        report = selectors.campaign_report(campaign)
        steps = [
            {
                "step": row["step"].pk,
                "position": row["step"].position,
                "variants": row["variants"],
                "winners": row["winners"],
            }
            for row in selectors.variant_results(campaign)
        ]
        return Response({**report, "revenue": f"{report['revenue']:.2f}", "steps": steps})


class SegmentViewSet(_Policy, IdempotentCreateMixin, viewsets.ModelViewSet):
    """Saved contact filters; `count` is the live audience size."""

    # Counting and previewing only read, so every reader may do them.
    policy_read_actions = ("count", "preview", "fields")
    serializer_class = SegmentSerializer
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.segment_list()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = segment_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = segment_update(
            segment=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        segment_delete(segment=instance, actor=self.request.user)

    @extend_schema(responses=AUDIENCE_COUNT)
    @action(detail=True, methods=["get"])
    def count(self, request, pk=None):
        return Response({"count": selectors.segment_count(self.get_object())})

    @extend_schema(request=SegmentPreviewSerializer, responses=AUDIENCE_COUNT)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """The audience size of unsaved conditions (the editor's live count)."""
        body = SegmentPreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        conditions = check_segment_conditions(body.validated_data["conditions"])
        count = segment_contacts(match=body.validated_data["match"], conditions=conditions).count()
        return Response({"count": count})

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def fields(self, request):
        return Response(segment_describe())

    @extend_schema(
        request=SegmentEnrollSerializer,
        responses={
            202: inline_serializer("SegmentEnrolled", {"enrolled": serializers.IntegerField()})
        },
    )
    @action(detail=True, methods=["post"])
    def enroll(self, request, pk=None):
        """Enroll the segment's contacts (with an address, not opted out) in a campaign."""
        body = SegmentEnrollSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = campaign_enroll_segment(
            campaign=body.validated_data["campaign"], segment=self.get_object(), actor=request.user
        )
        return Response({"enrolled": count}, status=status.HTTP_202_ACCEPTED)


class ScoringModelView(APIView):
    """The lead-scoring model (one per installation)."""

    permission_classes = [IsAuthenticated, PolicyPermission]
    policy_resource = "marketing"

    @extend_schema(responses=ScoringModelSerializer)
    def get(self, request):
        return Response(ScoringModelSerializer(scoring_model_get()).data)

    @extend_schema(request=ScoringModelSerializer, responses=ScoringModelSerializer)
    def put(self, request):
        return self._update(request, partial=False)

    @extend_schema(request=ScoringModelSerializer, responses=ScoringModelSerializer)
    def patch(self, request):
        return self._update(request, partial=True)

    def _update(self, request, *, partial):
        body = ScoringModelSerializer(scoring_model_get(), data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        model = scoring_model_update(actor=request.user, data=dict(body.validated_data))
        return Response(ScoringModelSerializer(model).data)


class ScoreExplanationView(APIView):
    """A contact's one lead score, explained: `{score, lines: [{rule, label, points,
    decayed}], adjustment, clamped, half_life_days, max_score}`. The same `score` is the
    contact's leads' `score`, what segments filter on and what automation reads."""

    permission_classes = [IsAuthenticated, PolicyPermission]
    policy_resource = "leads"

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, contact_id: int):
        contact = get_object_or_404(
            policies.scope(request.user, "contacts", Contact.objects.all()), pk=contact_id
        )
        return Response(score_explain(contact=contact))


class ScoringRuleViewSet(_Policy, IdempotentCreateMixin, viewsets.ModelViewSet):
    serializer_class = ScoringRuleSerializer
    filterset_fields = ["kind", "field"]

    def get_queryset(self):
        return ScoringRule.objects.order_by("kind", "field", "id")

    def perform_create(self, serializer):
        serializer.instance = scoring_rule_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = scoring_rule_update(
            rule=serializer.instance, actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        scoring_rule_delete(rule=instance, actor=self.request.user)


class EmailSendViewSet(_Policy, viewsets.ReadOnlyModelViewSet):
    """Every marketing email recorded, with its opens, clicks, replies and conversion."""

    serializer_class = EmailSendSerializer
    filterset_fields = ["contact", "campaign", "step", "variant", "kind", "enrollment"]

    def get_queryset(self):
        return EmailSend.objects.order_by("-created_at", "-id")


class DiscountCodeViewSet(
    _Policy,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Unique codes per contact and occasion; creating one emails it. Idempotent by its
    own `key` field (the same key answers the existing code with 200)."""

    serializer_class = DiscountCodeSerializer
    filterset_fields = ["contact", "reason"]

    def get_queryset(self):
        return DiscountCode.objects.order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        existing = DiscountCode.objects.filter(
            contact=data["contact"], key=data.get("key")
        ).exists()
        code = discount_code_issue(
            contact=data["contact"],
            reason=data.get("reason", DiscountReason.MANUAL),
            key=data.get("key") or f"manual:{uuid.uuid4().hex}",
            percent_off=data["percent_off"],
            valid_days=data["valid_days"],
            actor=request.user,
        )
        return Response(
            self.get_serializer(code).data,
            status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED,
        )


class NpsSurveyViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """NPS invitations: support sends them; each link takes one response until it expires."""

    policy_resource = "nps"
    permission_classes = [IsAuthenticated, PolicyPermission]
    serializer_class = NpsSurveySerializer
    filterset_fields = ["contact"]

    def get_queryset(self):
        return NpsSurvey.objects.order_by("-created_at", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = nps_survey_send(
            contact=data["contact"],
            actor=self.request.user,
            scale=int(data["scale"]),
            valid_days=data["valid_days"],
        )
