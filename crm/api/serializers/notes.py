from crm.models import Note

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
