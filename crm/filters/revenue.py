"""Purchases, subscriptions and marketing spend: one FilterSet each for the API and (for
purchases) the export."""

from django_filters import rest_framework as filters

from crm.models import Purchase, Spend, SpendCategory, Subscription, SubscriptionStatus

from .base import IdFilter, WordsFilter, date_range


class PurchaseFilter(filters.FilterSet):
    q = WordsFilter("product", "category")
    contact = IdFilter()
    company = IdFilter()
    campaign = IdFilter()
    deal = IdFilter()
    category = filters.CharFilter(lookup_expr="iexact")
    purchased_after, purchased_before = date_range("purchased_at")

    class Meta:
        model = Purchase
        fields = ["q", "contact", "company", "campaign", "deal", "category"]


class SubscriptionFilter(filters.FilterSet):
    contact = IdFilter()
    company = IdFilter()
    status = filters.ChoiceFilter(choices=SubscriptionStatus.choices)
    renewal_due_after = filters.DateFilter(field_name="renewal_due", lookup_expr="gte")
    renewal_due_before = filters.DateFilter(field_name="renewal_due", lookup_expr="lt")

    class Meta:
        model = Subscription
        fields = ["contact", "company", "status"]


class SpendFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=SpendCategory.choices)
    campaign = IdFilter()
    month = filters.DateFilter()
    month_after = filters.DateFilter(field_name="month", lookup_expr="gte")
    month_before = filters.DateFilter(field_name="month", lookup_expr="lt")

    class Meta:
        model = Spend
        fields = ["category", "campaign", "month"]
