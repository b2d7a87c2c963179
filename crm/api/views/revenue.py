from crm import filters, selectors
from crm.api.serializers import PurchaseSerializer, SpendSerializer, SubscriptionSerializer
from crm.services import revenue as revenue_services

from .base import PolicyViewSet


class PurchaseViewSet(PolicyViewSet):
    """Purchases from won deals, shops and billing systems."""

    policy_resource = "purchases"
    selector = selectors.purchase_list
    serializer_class = PurchaseSerializer
    filterset_class = filters.PurchaseFilter
    search_fields = ["product", "category"]
    ordering_fields = ["purchased_at", "amount"]

    def create_record(self, *, actor, data):
        return revenue_services.purchase_record(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return revenue_services.purchase_update(purchase=instance, actor=actor, data=data)

    def delete_record(self, instance, *, actor):
        revenue_services.purchase_delete(purchase=instance, actor=actor)


class SubscriptionViewSet(PolicyViewSet):
    policy_resource = "subscriptions"
    selector = selectors.subscription_list
    serializer_class = SubscriptionSerializer
    filterset_class = filters.SubscriptionFilter
    search_fields = ["plan"]
    ordering_fields = ["renewal_due", "started_at", "amount"]

    def create_record(self, *, actor, data):
        return revenue_services.subscription_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return revenue_services.subscription_update(subscription=instance, actor=actor, data=data)


class SpendViewSet(PolicyViewSet):
    """Monthly marketing and sales spend: the cost side of CAC."""

    policy_resource = "spend"
    selector = selectors.spend_list
    serializer_class = SpendSerializer
    filterset_class = filters.SpendFilter
    search_fields = ["note"]
    ordering_fields = ["month", "amount"]

    def create_record(self, *, actor, data):
        return revenue_services.spend_record(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return revenue_services.spend_update(spend=instance, actor=actor, data=data)
