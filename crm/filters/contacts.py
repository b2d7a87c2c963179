"""Companies, contacts and what is recorded about contacts: one FilterSet each for the
API, the list pages and the exports."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from crm.models import (
    Company,
    Contact,
    Interaction,
    InteractionKind,
    Lifecycle,
    NpsResponse,
    Referral,
    Source,
)

from .base import IdFilter, PickFilter, WordsFilter, choice, date_range, sales_owners


class CompanyFilter(filters.FilterSet):
    q = WordsFilter("name", "domain", "industry")
    owner = PickFilter(label=_("Owner"), queryset=sales_owners)
    # Whole and case-insensitive (the API's contract); the search box finds a part of it.
    industry = filters.CharFilter(label=_("Industry"), lookup_expr="iexact")

    class Meta:
        model = Company
        fields = ["q", "industry", "owner"]


class ContactFilter(filters.FilterSet):
    q = WordsFilter("first_name", "last_name", "email", "phone", "company__name")
    lifecycle = choice(Lifecycle.choices, _("Lifecycle"))
    source = choice(Source.choices, _("Source"))
    owner = PickFilter(label=_("Owner"), queryset=sales_owners)
    tag = filters.CharFilter(
        label=_("Tag"), field_name="tags__name", lookup_expr="iexact", distinct=True
    )
    company = IdFilter()
    referred_by = IdFilter()
    opted_out = filters.BooleanFilter()
    # The data-quality page's lists: contacts without an email, without an owner.
    missing = filters.ChoiceFilter(
        label=_("Missing"),
        choices=[("email", _("Email")), ("owner", _("Owner"))],
        method="filter_missing",
    )
    created_after, created_before = date_range("created_at")

    class Meta:
        model = Contact
        fields = [
            "q",
            "lifecycle",
            "source",
            "owner",
            "tag",
            "company",
            "referred_by",
            "opted_out",
            "missing",
        ]

    def filter_missing(self, queryset, name, value):
        return queryset.filter(email="") if value == "email" else queryset.filter(owner=None)


class InteractionFilter(filters.FilterSet):
    contact = IdFilter()
    kind = filters.ChoiceFilter(choices=InteractionKind.choices)
    occurred_after, occurred_before = date_range("occurred_at")

    class Meta:
        model = Interaction
        fields = ["contact", "kind"]


class NpsResponseFilter(filters.FilterSet):
    contact = IdFilter()
    scale = filters.TypedChoiceFilter(choices=[(10, "10"), (5, "5")], coerce=int)
    channel = filters.CharFilter(lookup_expr="iexact")
    responded_after, responded_before = date_range("responded_at")

    class Meta:
        model = NpsResponse
        fields = ["contact", "scale", "channel"]


class ReferralFilter(filters.FilterSet):
    referrer = IdFilter()
    referred = IdFilter()
    referred_after = filters.DateFilter(field_name="referred_on", lookup_expr="gte")
    referred_before = filters.DateFilter(field_name="referred_on", lookup_expr="lt")

    class Meta:
        model = Referral
        fields = ["referrer", "referred"]
