from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api.serializers.base import IdModelSerializer
from crm.models import ListKey, SavedView
from crm.web.list_catalog import MAX_VALUE_LENGTH
from crm.web.list_state import saved_view_url


class SavedViewSerializer(IdModelSerializer):
    """A named view of a list. Validation is the service's (crm/services/saved_views.py):
    unknown filters, sorts or columns, and a name already used on the list, are 400s."""

    list_key = serializers.ChoiceField(
        choices=ListKey.choices, help_text=_("The list: deals, leads, contacts, …")
    )
    name = serializers.CharField(max_length=80)
    query = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=MAX_VALUE_LENGTH),
        required=False,
        help_text=_(
            "The list page's query parameters: its filters, `q` and `sort`, e.g. "
            '{"status": "open", "stage": "3", "sort": "-value"}.'
        ),
    )
    columns = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=40,
        help_text=_("The optional columns shown, in any order; the list's defaults if left out."),
    )
    shared = serializers.BooleanField(
        required=False, help_text=_("Visible to the owner's team (read only for them).")
    )
    owner_name = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = [
            "id",
            "list_key",
            "name",
            "query",
            "columns",
            "shared",
            "team",
            "owner",
            "owner_name",
            "is_mine",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["team", "owner", "created_at", "updated_at"]
        # The service checks the name per owner and list, with a sentence.
        validators: list[Any] = []

    @extend_schema_field(serializers.CharField())
    def get_owner_name(self, view) -> str:
        return str(view.owner)

    @extend_schema_field(serializers.BooleanField())
    def get_is_mine(self, view) -> bool:
        request = self.context.get("request")
        return request is not None and view.owner_id == request.user.pk

    @extend_schema_field(serializers.CharField())
    def get_url(self, view) -> str:
        return saved_view_url(view)
