"""`/api/saved-views/`: named views of the list pages.

Lists the caller's own views and those their team shares; only the owner changes or
deletes a view (a teammate gets a 403 on a shared one, anybody else a 404).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from crm.api.serializers.saved_views import SavedViewSerializer
from crm.services import saved_views as services

from .base import PolicyViewSet


@extend_schema_view(
    list=extend_schema(description="Your views and your team's shared views, list by list."),
    create=extend_schema(
        description="Save a view of a list you may open. 400 names an unknown filter, "
        "sort or column, or a name you already use on that list."
    ),
)
@extend_schema(tags=["saved views"])
class SavedViewViewSet(PolicyViewSet):
    """Saved views of the deal, lead, contact, company, activity and ticket lists."""

    policy_resource = "saved_views"
    serializer_class = SavedViewSerializer
    filterset_fields = ["list_key", "shared"]
    ordering_fields = ["name", "created_at"]
    search_fields = ["name"]

    def get_queryset(self):
        return services.saved_views_visible(user=self.request.user)

    def create_record(self, *, actor, data):
        return services.saved_view_create(
            actor=actor,
            list_key=data["list_key"],
            name=data["name"],
            query=data.get("query", {}),
            columns=data.get("columns"),
            shared=data.get("shared", False),
        )

    def update_record(self, instance, *, actor, data):
        if data.pop("list_key", instance.list_key) != instance.list_key:
            raise ValidationError({"list_key": _("A view stays on the list it was saved for.")})
        return services.saved_view_update(view=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        services.saved_view_delete(view=instance, actor=actor)
