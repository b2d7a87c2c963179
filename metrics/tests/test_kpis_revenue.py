from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.models import (
    Contact,
    CustomerSpell,
    DealKind,
    DealStatus,
    Purchase,
    Subscription,
    SubscriptionStatus,
)
from crm.tests.factories import (
    ContactFactory,
    DealFactory,
    PurchaseFactory,
    SubscriptionFactory,
    TeamFactory,
    pipeline_with_stages,
)
from metrics import registry
from metrics.scopes import Period, Scope
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db

YEAR_2023 = Period(date(2023, 1, 1), date(2024, 1, 1))


def _customers(n, since="2020-01-01", **kw):
    customers = Contact.objects.bulk_create(
        Contact(first_name=f"C{i}", customer_since=at(since), **kw) for i in range(n)
    )
    CustomerSpell.objects.bulk_create(
        CustomerSpell(contact=c, started_at=c.customer_since, ended_at=c.churned_at, first=True)
        for c in customers
    )
    return customers


def _purchases(customers, per_customer, price):
    Purchase.objects.bulk_create(
        Purchase(
            contact=customer,
            amount=Decimal(price),
            purchased_at=at("2023-03-01") + timedelta(days=k),
        )
        for customer in customers
        for k in range(per_customer)
    )


def test_clv_worked_example_800(settings):
    # $100,000 from 2,500 purchases by 500 customers, lifespan 4 years.
    settings.GOALPOST_CUSTOMER_LIFESPAN_YEARS = 4
    _purchases(_customers(500), per_customer=5, price="40.00")

    result = registry.compute("clv", YEAR_2023)

    assert result.value == Decimal("800.00")
    assert (result.numerator, result.denominator) == (Decimal("100000.00"), 500)
    assert result.extra["average_purchase_value"] == Decimal("40.00")
    assert result.extra["purchase_frequency"] == Decimal("5")
    assert result.extra["customer_value"] == Decimal("200.00")
    assert result.extra["lifespan_source"] == "setting"


def test_clv_worked_example_1050_with_lifespan_from_the_annual_churn(settings):
    settings.GOALPOST_CUSTOMER_LIFESPAN_YEARS = None
    _purchases(_customers(500), per_customer=5, price="35.00")
    # 100 more customers at the start of 2023 churn during it: 100 lost of 600 at the
    # start is an annual churn of 16.6667 %, a lifespan of 600 ÷ 100 = 6 years.
    _customers(100, churned_at=at("2023-06-01"))

    result = registry.compute("clv", YEAR_2023)

    assert result.extra["annual_churn_rate"] == Decimal("16.6667")
    assert result.extra["lifespan_years"] == Decimal("6")
    assert result.extra["lifespan_source"] == "measured"
    assert result.extra["customer_value"] == Decimal("175.00")
    assert result.value == Decimal("1050.00")  # 35 x 5 x 6
    assert "1 ÷ annual churn rate" in result.extra["formula"]


def test_clv_lifespan_is_measured_in_the_scope(settings, rep, other_rep):
    # rep's customers: 4 at the start of 2023, 1 lost → 4 years; other_rep's: none lost.
    settings.GOALPOST_CUSTOMER_LIFESPAN_YEARS = None
    settings.GOALPOST_CUSTOMER_LIFESPAN_FALLBACK_YEARS = 3
    mine = _customers(3, owner=rep) + _customers(1, owner=rep, churned_at=at("2023-02-01"))
    _purchases(mine[:3], per_customer=1, price="100.00")
    _purchases(_customers(2, owner=other_rep), per_customer=1, price="100.00")

    owned = registry.compute("clv", YEAR_2023, Scope.owner(rep))
    others = registry.compute("clv", YEAR_2023, Scope.owner(other_rep))

    assert (owned.extra["annual_churn_rate"], owned.extra["lifespan_years"]) == (
        Decimal("25.0000"),
        Decimal("4"),
    )
    assert owned.value == Decimal("400.00")  # 100 a customer x 4 years
    assert (others.extra["lifespan_source"], others.value) == ("default", Decimal("300.00"))


def test_clv_lifespan_setting_is_read_from_the_environment(monkeypatch):
    import importlib

    from crm.settings import base

    monkeypatch.setenv("GOALPOST_CUSTOMER_LIFESPAN_YEARS", "4.5")
    try:
        assert importlib.reload(base).GOALPOST_CUSTOMER_LIFESPAN_YEARS == 4.5
    finally:
        monkeypatch.delenv("GOALPOST_CUSTOMER_LIFESPAN_YEARS")
        importlib.reload(base)
    assert base.GOALPOST_CUSTOMER_LIFESPAN_YEARS is None


def test_clv_falls_back_to_the_default_lifespan_and_is_none_without_buyers(settings):
    settings.GOALPOST_CUSTOMER_LIFESPAN_YEARS = None
    settings.GOALPOST_CUSTOMER_LIFESPAN_FALLBACK_YEARS = 3
    assert registry.compute("clv", YEAR_2023).value is None
    _purchases(_customers(1), per_customer=2, price="50.00")
    result = registry.compute("clv", YEAR_2023)
    assert (result.value, result.extra["lifespan_source"]) == (Decimal("300.00"), "default")


def test_new_revenue_counts_purchases_within_n_months_of_becoming_customer(settings, june):
    settings.GOALPOST_NEW_REVENUE_MONTHS = 6
    fresh = ContactFactory(customer_since=at("2025-01-15"))
    old = ContactFactory(customer_since=at("2024-06-01"))
    PurchaseFactory(contact=fresh, amount=Decimal("120.00"), purchased_at=at("2025-06-10"))
    PurchaseFactory(contact=old, amount=Decimal("999.00"), purchased_at=at("2025-06-10"))
    PurchaseFactory(contact=fresh, amount=Decimal("80.00"), purchased_at=at("2025-05-10"))

    assert registry.compute("new_revenue", june).value == Decimal("120.00")
    settings.GOALPOST_NEW_REVENUE_MONTHS = 4  # 2025-01-15 + 4 months < June
    assert registry.compute("new_revenue", june).value == Decimal("0.00")


def test_net_new_revenue_only_customers_acquired_in_the_period(june):
    new = ContactFactory(customer_since=at("2025-06-03"))
    old = ContactFactory(customer_since=at("2025-05-31"))
    PurchaseFactory(contact=new, amount=Decimal("10.50"), purchased_at=at("2025-06-03"))
    PurchaseFactory(contact=new, amount=Decimal("4.50"), purchased_at=at("2025-06-20"))
    PurchaseFactory(contact=old, amount=Decimal("100.00"), purchased_at=at("2025-06-03"))

    result = registry.compute("net_new_revenue", june)

    assert (result.value, result.denominator) == (Decimal("15.00"), None)


def test_revenue_by_rep_uses_deal_owner_then_contact_owner(rep, other_rep, june):
    _, stages = pipeline_with_stages()
    theirs = ContactFactory(owner=other_rep, customer_since=at("2025-06-01"))
    deal = DealFactory(
        stage=stages[0],
        owner=rep,
        status=DealStatus.WON,
        created_at=at("2025-06-01"),
        closed_at=at("2025-06-02"),
    )
    PurchaseFactory(contact=theirs, deal=deal, amount=Decimal("300"), purchased_at=at("2025-06-02"))
    PurchaseFactory(contact=theirs, amount=Decimal("50"), purchased_at=at("2025-06-05"))

    assert registry.compute("net_new_revenue", june, Scope.owner(rep)).value == Decimal("300.00")
    assert registry.compute("net_new_revenue", june, Scope.owner(other_rep)).value == Decimal(
        "50.00"
    )


def test_upsell_rate_one_in_five(june):
    customers = _customers(5, since="2025-01-01")
    _, stages = pipeline_with_stages()
    DealFactory(
        stage=stages[0],
        contact=customers[0],
        kind=DealKind.UPSELL,
        status=DealStatus.WON,
        created_at=at("2025-06-01"),
        closed_at=at("2025-06-04"),
    )
    DealFactory(  # an open upsell does not count
        stage=stages[0], contact=customers[1], kind=DealKind.UPSELL, created_at=at("2025-06-01")
    )
    ContactFactory(customer_since=at("2025-01-01"), churned_at=at("2025-05-01"))  # gone

    result = registry.compute("upsell_rate", june)

    assert (result.value, result.numerator, result.denominator) == (Decimal("20"), 1, 5)


def test_cross_sell_rate(june):
    a, b, c = ContactFactory(), ContactFactory(), ContactFactory()
    PurchaseFactory(contact=a, category="Software", purchased_at=at("2025-06-02"))
    PurchaseFactory(contact=a, category="Training", purchased_at=at("2025-06-03"))
    PurchaseFactory(contact=b, category="Software", purchased_at=at("2025-06-02"))
    PurchaseFactory(contact=b, category="Software", purchased_at=at("2025-06-09"))
    PurchaseFactory(contact=c, category="Training", purchased_at=at("2025-05-02"))

    result = registry.compute("cross_sell_rate", june)

    assert (result.value, result.numerator, result.denominator) == (Decimal("50"), 1, 2)


def test_repeat_customers_up_to_the_end(rep, june):
    a, b = ContactFactory(owner=rep), ContactFactory()
    PurchaseFactory(contact=a, purchased_at=at("2024-01-02"))
    PurchaseFactory(contact=a, purchased_at=at("2025-06-29"))
    PurchaseFactory(contact=b, purchased_at=at("2025-06-02"))
    PurchaseFactory(contact=b, purchased_at=at("2025-07-02"))  # after the end

    assert registry.compute("repeat_customers", june).value == 1
    assert registry.compute("repeat_customers", june, Scope.owner(rep)).value == 1
    assert (
        registry.compute("repeat_customers", Period(date(2025, 6, 1), date(2025, 8, 1))).value == 2
    )


def test_churn_and_retention(june):
    _customers(8, since="2024-01-01")
    ContactFactory(customer_since=at("2024-01-01"), churned_at=at("2025-06-10"))
    ContactFactory(customer_since=at("2024-01-01"), churned_at=at("2025-06-20"))
    ContactFactory(customer_since=at("2024-01-01"), churned_at=at("2025-05-20"))  # before
    ContactFactory(customer_since=at("2025-06-05"))  # new, stays
    ContactFactory(customer_since=at("2025-06-05"), churned_at=at("2025-06-25"))  # in and out
    ContactFactory()  # never a customer

    churn = registry.compute("churn_rate", june)
    retention = registry.compute("retention_rate", june)

    assert (churn.value, churn.numerator, churn.denominator) == (Decimal("20"), 2, 10)
    # customers at end 9, new (still there) 1 → (9 - 1) / 10
    assert (retention.value, retention.numerator, retention.denominator) == (
        Decimal("80"),
        8,
        10,
    )
    assert registry.compute("churn_rate", Period(date(2019, 1, 1), date(2019, 2, 1))).value is None


def test_renewal_rate_worked_example_90_percent(june):
    customer = ContactFactory()
    common = {
        "contact": customer,
        "plan": "Pro",
        "amount": Decimal("10"),
        "started_at": at("2024-06-01"),
    }
    Subscription.objects.bulk_create(
        [
            Subscription(
                renewal_due=date(2025, 6, 1) + timedelta(days=i % 30),
                status=SubscriptionStatus.RENEWED if i < 900 else SubscriptionStatus.CANCELLED,
                **common,
            )
            for i in range(1000)
        ]
        + [Subscription(renewal_due=date(2025, 7, 1), **common)]  # due after the period
    )

    result = registry.compute("renewal_rate", june)

    assert (result.value, result.numerator, result.denominator) == (Decimal("90"), 900, 1000)


def test_team_scope_on_customers(rep, other_rep, june):
    team = TeamFactory()
    rep.team = team
    rep.save()
    SubscriptionFactory(contact=ContactFactory(owner=rep), renewal_due=date(2025, 6, 3))
    SubscriptionFactory(contact=ContactFactory(owner=other_rep), renewal_due=date(2025, 6, 3))

    result = registry.compute("renewal_rate", june, Scope.team(team))

    assert (result.value, result.denominator) == (Decimal("0"), 1)
