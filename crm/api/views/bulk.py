"""`POST /api/<resource>/bulk/`: the list pages' bulk actions for API clients, and the
record of each action (`/api/bulk-actions/<id>/`, with `undo/`)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from crm import policies
from crm.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from crm.api.permissions import PolicyPermission
from crm.api.serializers.bulk import BulkActionSerializer, BulkRequestSerializer
from crm.models import BulkAction, BulkStatus
from crm.services.bulk import bulk_start, bulk_undo


class BulkActionMixin:
    """Adds `POST bulk/` to a PolicyViewSet (write access checked by its permission)."""

    @extend_schema(
        request=BulkRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: BulkActionSerializer,
            202: OpenApiResponse(BulkActionSerializer, description="Queued (over 500 rows)"),
        },
        description=(
            "Run one action on many rows: `reassign` (params.owner), `move_stage` "
            "(params.stage, deals), `tag_add` / `tag_remove` (params.tag, contacts), "
            "`mark_done` (activities), `delete`. Rows you may not edit are skipped and "
            "counted in `skipped_forbidden`; rows whose state refuses the action in "
            "`skipped_invalid`. Reassign, stage and tag actions can be undone with "
            "`POST /api/bulk-actions/{id}/undo/`."
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    @idempotent
    def bulk(self, request):
        incoming = BulkRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if "filter" in data:
            filterset = self.filterset_class(
                data=data["filter"], queryset=self.get_queryset(), request=request
            )
            unknown = sorted(set(data["filter"]) - set(filterset.filters))
            if unknown:
                # A mistyped key must not widen the action to every row.
                raise ValidationError(
                    {"filter": _("Unknown filter: %(names)s.") % {"names": ", ".join(unknown)}}
                )
            if not filterset.is_valid():
                raise ValidationError({"filter": [str(e) for e in filterset.errors.values()]})
            rows = filterset.qs
        else:
            rows = data["ids"]
        bulk = bulk_start(
            actor=request.user,
            resource=self.policy_resource,
            kind=data["action"],
            ids=rows,
            params=data.get("params", {}),
        )
        answer = status.HTTP_202_ACCEPTED if bulk.status == BulkStatus.QUEUED else 200
        return Response(BulkActionSerializer(bulk).data, status=answer)


@extend_schema(tags=["bulk"])
class BulkActionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your bulk actions: progress, counts, and undo."""

    serializer_class = BulkActionSerializer
    policy_resource = "bulk_actions"
    permission_classes = [IsAuthenticated, PolicyPermission]

    def get_queryset(self):
        return policies.scope(self.request.user, "bulk_actions", BulkAction.objects.all())

    @extend_schema(request=None, responses=BulkActionSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        bulk = self.get_object()
        if bulk is None:
            raise Http404
        return Response(BulkActionSerializer(bulk_undo(bulk=bulk, actor=request.user)).data)
