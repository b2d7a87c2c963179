"""API: `GET /api/export/<resource>/?format=csv|xlsx&<filters>` and import job status."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, serializers
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from crm import policies
from crm.models import ImportJob

from . import selectors
from .resources import EXPORTABLE, ExportFilterError, export_dataset, render_export


class _FileRenderer(renderers.BaseRenderer):
    """Renders the export's tablib Dataset; an error (a dict) as plain text lines."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            lines = [f"{key}: {value}" for key, value in data.items()]
            return "\n".join(lines).encode("utf-8")
        return render_export(data, self.format)


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


FILTER_PARAMETERS = [
    OpenApiParameter("format", str, enum=["csv", "xlsx"], description="File format (default csv)."),
    OpenApiParameter("q", str, description="Search words, as in the list page's search box."),
    OpenApiParameter(
        "<filter>",
        str,
        description=(
            "Any filter of the resource's list: contacts `lifecycle, owner, company, source, "
            "tag, opted_out, missing`; companies `owner, industry`; deals `pipeline, stage, "
            "owner, status, kind, contact, company`; leads `status, owner, source, campaign, "
            "contact`; activities `kind, assignee, deal, lead, contact, done`; tickets "
            "`status, priority, assignee, contact`; purchases `contact, company, campaign, "
            "deal, category, purchased_after, purchased_before`."
        ),
    ),
]


class ExportView(APIView):
    """Export a list, narrowed by its filters and by what the caller may see."""

    renderer_classes = [CSVRenderer, XLSXRenderer]

    @extend_schema(
        operation_id="export_list",
        parameters=FILTER_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV file"),
            (200, XLSXRenderer.media_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="XLSX workbook"
            ),
            400: OpenApiResponse(description="Invalid filter values."),
            403: OpenApiResponse(description="The role may not read this resource."),
        },
    )
    def get(self, request, resource):
        if resource not in EXPORTABLE:
            raise exceptions.NotFound()
        if not policies.can_read(request.user, resource):
            raise exceptions.PermissionDenied()
        params = request.query_params.copy()
        params.pop("format", None)
        try:
            dataset = export_dataset(user=request.user, resource=resource, params=params)
        except ExportFilterError as exc:
            raise exceptions.ValidationError(exc.errors) from exc
        extension = request.accepted_renderer.format
        return Response(
            dataset,
            headers={"Content-Disposition": f'attachment; filename="{resource}.{extension}"'},
        )


class ImportJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "original_name",
            "status",
            "duplicate_policy",
            "automate",
            "total_rows",
            "processed_rows",
            "succeeded_rows",
            "created_rows",
            "updated_rows",
            "skipped_rows",
            "failed_rows",
            "percent",
            "error_message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportJobDetailView(RetrieveAPIView):
    """Progress of an import job (managers and admins)."""

    serializer_class = ImportJobSerializer

    def get_queryset(self):
        if not policies.can_read(self.request.user, "imports"):
            raise exceptions.PermissionDenied()
        return selectors.import_job_list(user=self.request.user)
