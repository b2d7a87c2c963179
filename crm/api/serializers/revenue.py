from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.models import Purchase, Spend, Subscription

from .base import PolicyModelSerializer
from .sales import CURRENCY_FIELD, _validate_currency


class PurchaseSerializer(PolicyModelSerializer):
    class Meta:
        model = Purchase
        fields = [
            "id",
            "contact",
            "company",
            "amount",
            "currency",
            "purchased_at",
            "product",
            "category",
            "campaign",
            "deal",
        ]
        extra_kwargs = {"purchased_at": {"required": False}, "currency": CURRENCY_FIELD}
        # The one-standing-purchase-per-deal constraint is checked by the service
        # (purchase_deal_check), as a field error rather than DRF's non-field one.
        validators: list[Any] = []

    def validate_currency(self, value):
        return _validate_currency(value)


class SubscriptionSerializer(PolicyModelSerializer):
    class Meta:
        model = Subscription
        fields = [
            "id",
            "contact",
            "company",
            "plan",
            "amount",
            "started_at",
            "renewal_due",
            "status",
            "renewed_at",
            "cancelled_at",
        ]
        read_only_fields = ["renewed_at", "cancelled_at"]
        extra_kwargs = {"started_at": {"required": False}}


class SpendSerializer(PolicyModelSerializer):
    class Meta:
        model = Spend
        fields = ["id", "month", "category", "campaign", "amount", "note"]
        extra_kwargs = {
            "month": {"help_text": _("Any day of the month; stored as the first of the month.")}
        }
