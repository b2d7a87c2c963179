from crm import selectors
from crm.api.serializers.consent import SuppressedAddressSerializer
from crm.services import consent as consent_services

from .base import PolicyViewSet


class SuppressedAddressViewSet(PolicyViewSet):
    """The suppression list (marketing and admins): addresses no email goes to."""

    policy_resource = "suppressions"
    selector = selectors.suppression_list
    serializer_class = SuppressedAddressSerializer
    filterset_fields = ["reason"]
    search_fields = ["email", "note"]
    ordering_fields = ["created_at", "email"]

    def create_record(self, *, actor, data):
        return consent_services.address_suppress(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return consent_services.suppression_update(suppression=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        consent_services.suppression_remove(suppression=instance, actor=actor)
