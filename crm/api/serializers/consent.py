from typing import Any

from crm.models import SuppressedAddress, email_normalize

from .base import PolicyModelSerializer


class SuppressedAddressSerializer(PolicyModelSerializer):
    """An address nobody is emailed at. POSTing an address already on the list returns
    the existing entry (a bounce or complaint webhook may report it again)."""

    class Meta:
        model = SuppressedAddress
        fields = ["id", "email", "reason", "note", "contact", "created_by", "created_at"]
        read_only_fields = ["contact", "created_by", "created_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"email": {"validators": []}}

    def validate_email(self, value):
        # That an entry's address cannot change is suppression_update's rule.
        return email_normalize(value)
