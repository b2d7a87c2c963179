from rest_framework import serializers

from crm.api.fields import IntegerPrimaryKeyRelatedField, VisiblePrimaryKeyRelatedField


class IdModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose related ids must be whole numbers (no `1.5`, no `true`)."""

    serializer_related_field = IntegerPrimaryKeyRelatedField


class PolicyModelSerializer(IdModelSerializer):
    """Related ids are checked against what the requesting user may see.

    `Meta.create_only_fields` (historical timestamps such as `created_at`) are accepted
    when a row is created and ignored afterwards, so a GET → PUT round trip still works.
    """

    serializer_related_field = VisiblePrimaryKeyRelatedField

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            for name in getattr(self.Meta, "create_only_fields", ()):
                attrs.pop(name, None)
        return attrs
