from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api.serializers.base import IdModelSerializer
from crm.models import BulkAction, BulkKind
from crm.services.bulk import MAX_SELECTION
from crm.web.params import MAX_ID


class BulkParamsSerializer(serializers.Serializer):
    owner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("reassign: the new owner")
    )
    stage = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("move_stage: the stage")
    )
    tag = serializers.CharField(
        max_length=60, required=False, help_text=_("tag_add / tag_remove: the tag's name")
    )


class BulkRequestSerializer(serializers.Serializer):
    """An action on the rows `ids`, or on every row the list filter `filter` matches."""

    action = serializers.ChoiceField(choices=BulkKind.choices)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=False,
        max_length=MAX_SELECTION,
    )
    filter = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        help_text=_('The list endpoint\'s query parameters, e.g. {"owner": "3"}.'),
    )
    params = BulkParamsSerializer(required=False)

    def validate(self, data):
        if ("ids" in data) == ("filter" in data):
            raise serializers.ValidationError(_("Give either ids or filter, not both."))
        return data


class BulkActionSerializer(IdModelSerializer):
    action = serializers.CharField(source="kind", read_only=True)
    total = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    can_undo = serializers.BooleanField(read_only=True)

    class Meta:
        model = BulkAction
        fields = [
            "id",
            "resource",
            "action",
            "params",
            "status",
            "total",
            "processed",
            "percent",
            "changed",
            "skipped_forbidden",
            "skipped_invalid",
            "can_undo",
            "created_at",
            "undone_at",
        ]
        read_only_fields = fields
