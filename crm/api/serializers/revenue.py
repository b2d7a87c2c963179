from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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
        # The one-standing-purchase-per-deal constraint is checked by validate_deal, as a
        # field error rather than DRF's non-field one.
        validators: list[Any] = []

    def validate_currency(self, value):
        return _validate_currency(value)

    def validate_deal(self, value):
        others = Purchase.objects.filter(deal=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if value is not None and others.exists():
            raise serializers.ValidationError(_("This deal already has a purchase."))
        return value


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

    def validate(self, attrs):
        attrs = super().validate(attrs)
        started_at = attrs.get("started_at", getattr(self.instance, "started_at", None))
        renewal_due = attrs.get("renewal_due")
        if started_at and renewal_due and renewal_due < started_at.date():
            raise serializers.ValidationError(
                {"renewal_due": [_("Renewal cannot be due before the start.")]}
            )
        return attrs


class SpendSerializer(PolicyModelSerializer):
    class Meta:
        model = Spend
        fields = ["id", "month", "category", "campaign", "amount", "note"]
        extra_kwargs = {
            "month": {"help_text": _("Any day of the month; stored as the first of the month.")}
        }
