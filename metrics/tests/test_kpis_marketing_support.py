from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.models import Referral, SpendCategory
from crm.tests.factories import (
    CampaignFactory,
    ContactFactory,
    LeadFactory,
    NpsResponseFactory,
    PurchaseFactory,
    SpendFactory,
    TicketFactory,
)
from metrics import registry
from metrics.scopes import Period, Scope, UnsupportedScope
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_cac_spend_over_new_customers(june):
    SpendFactory(month=date(2025, 6, 1), amount=Decimal("1000.00"))
    SpendFactory(month=date(2025, 6, 1), amount=Decimal("150.00"), category=SpendCategory.SALES)
    SpendFactory(month=date(2025, 5, 1), amount=Decimal("5000.00"))
    for _ in range(10):
        ContactFactory(customer_since=at("2025-06-12"))
    ContactFactory(customer_since=at("2025-05-12"))

    result = registry.compute("cac", june)

    assert result.value == Decimal("115.00")
    assert (result.numerator, result.denominator) == (Decimal("1150.00"), 10)


def test_cac_takes_a_months_spend_pro_rata_and_is_none_without_new_customers():
    SpendFactory(month=date(2025, 6, 1), amount=Decimal("3000.00"))
    half_june = Period(date(2025, 6, 16), date(2025, 7, 1))

    result = registry.compute("cac", half_june)

    assert (result.value, result.numerator) == (None, Decimal("1500.00"))


def test_campaign_revenue_and_new_customers(june):
    spring, autumn = CampaignFactory(), CampaignFactory()
    a = ContactFactory(customer_since=at("2025-06-02"))
    b = ContactFactory(customer_since=at("2025-06-03"))
    ContactFactory(customer_since=at("2025-06-03"))  # not attributed
    PurchaseFactory(contact=a, campaign=spring, amount=Decimal("70"), purchased_at=at("2025-06-02"))
    PurchaseFactory(contact=a, campaign=autumn, amount=Decimal("30"), purchased_at=at("2025-06-09"))
    PurchaseFactory(contact=a, amount=Decimal("900"), purchased_at=at("2025-06-09"))
    LeadFactory(contact=b, campaign=spring)
    SpendFactory(month=date(2025, 6, 1), campaign=spring, amount=Decimal("500"))

    assert registry.compute("campaign_revenue", june).value == Decimal("100.00")
    assert registry.compute("campaign_revenue", june, Scope.campaign(spring)).value == Decimal(
        "70.00"
    )
    assert registry.compute("campaign_new_customers", june).value == 2
    assert registry.compute("campaign_new_customers", june, Scope.campaign(autumn)).value == 1
    cac = registry.compute("cac", june, Scope.campaign(spring))
    assert (cac.value, cac.denominator) == (Decimal("250.00"), 2)
    with pytest.raises(UnsupportedScope):
        registry.compute("cac", june, Scope.owner(1))


def test_referrals(rep, june):
    mine, other = ContactFactory(owner=rep), ContactFactory()
    Referral.objects.create(referrer=mine, referred=ContactFactory(), referred_on=date(2025, 6, 1))
    Referral.objects.create(
        referrer=other, referred=ContactFactory(), referred_on=date(2025, 6, 30)
    )
    Referral.objects.create(referrer=other, referred=mine, referred_on=date(2025, 7, 1))

    assert registry.compute("referrals", june).value == 2
    assert registry.compute("referrals", june, Scope.owner(rep)).value == 1


def test_avg_resolution_hours_company_and_per_agent(support_agent, make_user, june):
    other_agent = make_user("support", username="support2")
    TicketFactory(
        assignee=support_agent, opened_at=at("2025-06-02", 8), resolved_at=at("2025-06-02", 12)
    )
    TicketFactory(
        assignee=support_agent, opened_at=at("2025-05-31", 20), resolved_at=at("2025-06-01", 10)
    )
    TicketFactory(
        assignee=other_agent, opened_at=at("2025-06-03", 0), resolved_at=at("2025-06-04", 0)
    )
    TicketFactory(assignee=other_agent, opened_at=at("2025-06-03", 0))  # unresolved

    company = registry.compute("avg_resolution_hours", june)
    agent = registry.compute("avg_resolution_hours", june, Scope.owner(support_agent))

    assert (company.value, company.numerator, company.denominator) == (
        Decimal("14"),
        Decimal("42"),
        3,
    )
    assert agent.value == Decimal("9")


def test_nps_on_both_scales(june):
    when = at("2025-06-10")
    for score in (10, 9, 8, 7, 6, 0):  # 2 promoters, 2 detractors
        NpsResponseFactory(score=score, scale=10, responded_at=when)
    for score in (5, 4, 3, 2):  # 2 promoters, 1 detractor
        NpsResponseFactory(score=score, scale=5, responded_at=when)
    NpsResponseFactory(score=1, scale=5, responded_at=when - timedelta(days=30))  # May

    result = registry.compute("nps", june)

    # (4 promoters - 3 detractors) / 10 responses
    assert (result.value, result.numerator, result.denominator) == (Decimal("10"), 1, 10)
    assert result.extra == {"promoters": 4, "detractors": 3}


def test_nps_empty_and_all_detractors(june):
    assert registry.compute("nps", june).value is None
    NpsResponseFactory(score=1, scale=5, responded_at=at("2025-06-10"))
    assert registry.compute("nps", june).value == Decimal("-100")
