from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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
        create_only_fields = ["email"]

    def validate_email(self, value):
        normalized = email_normalize(value)
        if self.instance is not None and normalized != self.instance.email:
            raise serializers.ValidationError(
                _("An entry's address cannot change; remove it and add the new one.")
            )
        return normalized
