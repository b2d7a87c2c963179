from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.models import NOTE_RECORD_FIELDS, Note

from .base import PolicyModelSerializer


class NoteSerializer(PolicyModelSerializer):
    """A note on exactly one of `deal`, `contact`, `company` or `ticket` (set when it is
    written, fixed after). Only records the requesting user may see can be named."""

    class Meta:
        model = Note
        fields = [
            "id",
            "body",
            "pinned",
            "deal",
            "contact",
            "company",
            "ticket",
            "author",
            "created_at",
            "updated_at",
            "edited_at",
        ]
        read_only_fields = ["author", "created_at", "updated_at", "edited_at"]
        extra_kwargs = {"body": {"trim_whitespace": True}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            moved = [name for name in NOTE_RECORD_FIELDS if name in attrs]
            if any(attrs[name] != getattr(self.instance, name) for name in moved):
                raise serializers.ValidationError(
                    {name: _("A note stays on the record it was written on.") for name in moved}
                )
            for name in moved:
                attrs.pop(name)
            return attrs
        given = [name for name in NOTE_RECORD_FIELDS if attrs.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _("A note belongs to exactly one deal, contact, company or ticket.")
                    ]
                }
            )
        return attrs
