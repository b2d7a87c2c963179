"""Serializer fields shared by the core API."""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm import limits, policies
from crm.models import (
    Activity,
    Campaign,
    Company,
    Contact,
    Deal,
    Lead,
    Pipeline,
    Stage,
    Team,
    Ticket,
)

# The policy resource that decides which rows of a related model a user may link to.
# Users (owners, assignees) are not listed: anyone may name a colleague, and the
# services decide whether they may hand a record to them.
RESOURCE_OF_MODEL = {
    Activity: "activities",
    Campaign: "campaigns",
    Company: "companies",
    Contact: "contacts",
    Deal: "deals",
    Lead: "leads",
    Pipeline: "pipelines",
    Stage: "stages",
    Team: "teams",
    Ticket: "tickets",
}


_DIGITS = re.compile(r"[0-9]{1,18}")


class IntegerPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id as a whole number: `12` or `"12"` (form posts send strings).

    DRF's own field hands the value to the ORM, which turns `1.5`, `true` and `12.9`
    into ids 1, 1 and 12; here they are "Incorrect type" errors instead (400).
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and _DIGITS.fullmatch(data))
        ):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(int(data))


class VisiblePrimaryKeyRelatedField(IntegerPrimaryKeyRelatedField):
    """Accepts only ids of rows the requesting user may see; others are "does not exist".

    So a rep cannot attach another rep's deal to an activity, and cannot probe which ids
    exist: an invisible row and a missing row give the same 400.
    """

    def __init__(self, *, resource=None, **kwargs):
        self.resource = resource
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        resource = self.resource or RESOURCE_OF_MODEL.get(queryset.model)
        if resource is None:
            return queryset
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return policies.scope(request.user, resource, queryset)


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "maxLength": limits.MAX_TAG_LENGTH},
        "maxItems": limits.MAX_TAGS_PER_RECORD,
    }
)
class TagListField(serializers.ListField):
    """Tags as a list of names: written as names (created on first use), read the same.

    At most `limits.MAX_TAGS_PER_RECORD` names of at most `limits.MAX_TAG_LENGTH`
    characters each; more is a 400 on the field.
    """

    child = serializers.CharField(max_length=limits.MAX_TAG_LENGTH, trim_whitespace=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", limits.MAX_TAGS_PER_RECORD)
        super().__init__(**kwargs)

    def to_representation(self, data):
        # `data` is the related manager; `.all()` is served by prefetch_related("tags").
        return [tag.name for tag in data.all()]

    def to_internal_value(self, data):
        names = super().to_internal_value(data)
        if any(not name for name in names):
            raise serializers.ValidationError(_("A tag name cannot be blank."))
        # Keep the first spelling of each name, in order, without duplicates.
        return list(dict.fromkeys(names))
