"""API: `GET /api/export/<resource>/?format=csv|xlsx&<filters>` and import jobs.

`POST /api/imports/` takes the same file, mapping and answers as the browser's wizard and
starts the same Celery job; `GET /api/imports/{id}/` reports its progress.
"""

import json

from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import (
    exceptions,
    filters,
    parsers,
    renderers,
    serializers,
    status,
)
from rest_framework.generics import ListCreateAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent_create
from crm.api.permissions import PolicyPermission
from crm.api.serializers.base import IdModelSerializer
from crm.models import DuplicatePolicy, ImportJob, ImportKind, ImportRowError

from . import selectors, services
from .formats import COMMA, DMY, MDY, POINT
from .resources import (
    EXPORTABLE,
    FORMATS,
    ExportFilterError,
    export_csv_chunks,
    export_workbook_chunks,
)
from .selectors import import_job_column_formats


class _FileRenderer(renderers.BaseRenderer):
    """Chooses the file format (`?format=` or Accept) and renders an error (a dict) as
    plain text lines; the file itself is a streamed response, not rendered here."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        lines = [f"{key}: {value}" for key, value in (data or {}).items()]
        return "\n".join(lines).encode("utf-8")


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


ROW_ERRORS_SHOWN = 1000

FILTER_PARAMETERS = [
    OpenApiParameter("format", str, enum=["csv", "xlsx"], description="File format (default csv)."),
    OpenApiParameter("q", str, description="Search words, as in the list page's search box."),
    OpenApiParameter(
        "<filter>",
        str,
        description=(
            "Any filter of the resource's API list, e.g. "
            + "; ".join(
                f"{name} `{', '.join(n for n in spec.filterset.base_filters if n != 'q')}`"
                for name, spec in EXPORTABLE.items()
            )
            + "."
        ),
    ),
]


class ExportView(APIView):
    """Export a list, narrowed by its filters and by what the caller may see."""

    renderer_classes = [CSVRenderer, XLSXRenderer]
    permission_classes = [IsAuthenticated, PolicyPermission]

    @property
    def policy_resource(self) -> str:
        """The list named in the URL (its read right is asked); an unknown one is a 404."""
        resource = self.kwargs["resource"]
        if resource not in EXPORTABLE:
            raise exceptions.NotFound()
        return resource

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
        params = request.query_params.copy()
        params.pop("format", None)
        extension = request.accepted_renderer.format
        write = export_workbook_chunks if extension == "xlsx" else export_csv_chunks
        try:
            chunks = write(user=request.user, resource=resource, params=params)
        except ExportFilterError as exc:
            raise exceptions.ValidationError(exc.errors) from exc
        # Streamed like the pages' downloads: rows go out as the cursor yields them.
        response = StreamingHttpResponse(chunks, content_type=FORMATS[extension][0])
        response["Content-Disposition"] = f'attachment; filename="{resource}.{extension}"'
        return response


class _JSONObjectField(serializers.JSONField):
    """A JSON object of strings: a JSON text in a multipart form, or an object in JSON."""

    def __init__(self, *, value_kind=str, **kwargs):
        self.value_kind = value_kind
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("Give a JSON object.")) from None
        if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
            raise serializers.ValidationError(_("Give a JSON object."))
        return data


class ImportOptionsSerializer(serializers.Serializer):
    duplicate_policy = serializers.ChoiceField(
        choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    automate = serializers.BooleanField(default=False)
    columns = serializers.DictField(
        child=serializers.ChoiceField(choices=[POINT, COMMA, DMY, MDY]),
        required=False,
        help_text=_(
            "How number and date columns are written, by column header: `point` (1,234.56), "
            "`comma` (1.234,56), `dmy` (31/12/1980) or `mdy` (12/31/1980). Needed for a column "
            "whose cells read two ways; others are inferred from the whole column."
        ),
    )


class ImportJobCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A .csv or .xlsx file, up to 50 MB."))
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    mapping = _JSONObjectField(
        required=False,
        help_text=_(
            'JSON object {"column header": "field"}; without it the columns are guessed '
            "from their headers, as in the browser."
        ),
    )
    encoding = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text=_("The CSV file's character set (e.g. cp1254); detected when left out."),
    )
    options = _JSONObjectField(
        required=False,
        help_text=_(
            'JSON object {"duplicate_policy": "skip"|"update", "automate": false, '
            '"columns": {"column header": "point"|"comma"|"dmy"|"mdy"}}.'
        ),
    )

    def validate_mapping(self, value):
        if not all(isinstance(target, str) for target in value.values()):
            raise serializers.ValidationError(_("Map each column header to a field name."))
        return value

    def validate_options(self, value):
        serializer = ImportOptionsSerializer(data=value)
        serializer.is_valid(raise_exception=True)
        unknown = sorted(set(value) - set(serializer.fields))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown options: %(names)s.") % {"names": ", ".join(unknown)}
            )
        return serializer.validated_data


class ImportRowErrorSerializer(IdModelSerializer):
    row = serializers.IntegerField(source="row_number")

    class Meta:
        model = ImportRowError
        fields = ["row", "column", "reason", "value"]


class ColumnInterpretationSerializer(serializers.Serializer):
    column = serializers.CharField()
    field = serializers.CharField()
    type = serializers.ChoiceField(choices=["number", "date"])
    format = serializers.CharField(
        allow_null=True, help_text=_("point, comma, dmy or mdy; null where nothing is ambiguous.")
    )


class ImportJobSerializer(IdModelSerializer):
    # A plain string here: the request's `kind` is the documented enum, and a second
    # component with the same choice set makes the schema's enum name unresolvable.
    kind = serializers.CharField(
        read_only=True,
        help_text=_("contacts, companies, deals, purchases, leads, activities or tickets"),
    )
    percent = serializers.IntegerField(read_only=True)
    columns = serializers.SerializerMethodField(
        help_text=_("How each number and date column is read.")
    )
    # A declared field: SerializerMetaclass moves it out of the class, so the serializer's
    # own `errors` property is not shadowed at runtime.
    errors = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text=_("Rows that were not imported and why (the first %(n)s).")
        % {"n": ROW_ERRORS_SHOWN}
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "original_name",
            "status",
            "encoding",
            "detected_encoding",
            "mapping",
            "columns",
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
            "errors",
            "error_message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ColumnInterpretationSerializer(many=True))
    def get_columns(self, job):
        return import_job_column_formats(job)

    @extend_schema_field(ImportRowErrorSerializer(many=True))
    def get_errors(self, job):
        errors = job.row_errors.order_by("row_number", "id")[:ROW_ERRORS_SHOWN]
        return ImportRowErrorSerializer(errors, many=True).data


class ImportJobListView(ListCreateAPIView):
    """Import jobs (managers and admins); POST starts one, as the browser's wizard does."""

    serializer_class = ImportJobSerializer
    policy_resource = "imports"
    permission_classes = [IsAuthenticated, PolicyPermission]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["created_at", "status", "kind"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.import_job_list(user=self.request.user)

    @extend_schema(
        operation_id="imports_create",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request={"multipart/form-data": ImportJobCreateSerializer},
        responses={
            201: ImportJobSerializer,
            400: OpenApiResponse(
                description="Field errors: an unreadable file, a character set it does not "
                "decode in, a bad mapping, or a column that reads two ways without an answer."
            ),
            403: OpenApiResponse(description="Only managers and admins may import."),
        },
    )
    def post(self, request, *args, **kwargs):
        return idempotent_create(request, lambda: self._submit(request))

    def _submit(self, request):
        serializer = ImportJobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        options = data.get("options") or {}
        job = services.import_job_submit(
            actor=request.user,
            kind=data["kind"],
            upload=data["file"],
            encoding=data.get("encoding", ""),
            mapping=data.get("mapping"),
            duplicate_policy=options.get("duplicate_policy", DuplicatePolicy.SKIP),
            automate=options.get("automate", False),
            column_formats=options.get("columns"),
        )
        body = ImportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


class ImportJobDetailView(RetrieveAPIView):
    """Progress of an import job, how its columns are read and its row errors."""

    serializer_class = ImportJobSerializer
    policy_resource = "imports"
    permission_classes = [IsAuthenticated, PolicyPermission]

    def get_queryset(self):
        return selectors.import_job_list(user=self.request.user)
