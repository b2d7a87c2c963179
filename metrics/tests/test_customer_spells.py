"""Customer KPIs read customer spells: history is added to, never rewritten (issue 12)."""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import CustomerSpell, Lifecycle, Purchase
from crm.services.contacts import contact_create, contact_update
from crm.services.revenue import purchase_record, purchase_reverse
from metrics import registry
from metrics.scopes import Period, Scope

from .conftest import at

pytestmark = pytest.mark.django_db

MAY_2018 = Period(date(2018, 5, 1), date(2018, 6, 1))
AUGUST_2018 = Period(date(2018, 8, 1), date(2018, 9, 1))
APRIL_2013 = Period(date(2013, 4, 1), date(2013, 5, 1))
SPRING_2013 = Period(date(2013, 3, 1), date(2013, 6, 1))


def _kpi(key, period):
    return registry.compute(key, period, Scope.company())


def _customer(actor, name, since, amount="100.00"):
    contact = contact_create(actor=actor, first_name=name)
    purchase_record(actor=actor, contact=contact, amount=Decimal(amount), purchased_at=since)
    contact.refresh_from_db()
    return contact


def _spells(contact):
    return list(
        CustomerSpell.objects.filter(contact=contact)
        .order_by("started_at")
        .values_list("started_at", "ended_at", "first")
    )


def test_a_returning_customer_keeps_their_churn(rep):
    returning = _customer(rep, "Returning", at("2017-03-01"))
    _customer(rep, "Staying", at("2017-03-01"))
    contact_update(
        contact=returning,
        actor=rep,
        data={"lifecycle": Lifecycle.CHURNED, "churned_at": at("2018-05-15")},
    )

    # 1 lost of the 2 customers at the start of May.
    churn = _kpi("churn_rate", MAY_2018)
    assert (churn.value, churn.numerator, churn.denominator) == (Decimal("50.0000"), 1, 2)

    purchase_record(
        actor=rep, contact=returning, amount=Decimal("80.00"), purchased_at=at("2018-08-01")
    )

    churn = _kpi("churn_rate", MAY_2018)
    assert (churn.value, churn.numerator, churn.denominator) == (Decimal("50.0000"), 1, 2)
    assert _kpi("retention_rate", MAY_2018).value == Decimal("50.0000")
    # The re-activation is a new spell, not a new customer.
    assert _spells(returning) == [
        (at("2017-03-01"), at("2018-05-15"), True),
        (at("2018-08-01"), None, False),
    ]
    returning.refresh_from_db()
    assert (returning.lifecycle, returning.customer_since, returning.churned_at) == (
        Lifecycle.CUSTOMER,
        at("2017-03-01"),
        None,
    )
    # August: only "Staying" was a customer at its start (12:00 on the 1st is after it).
    august = _kpi("churn_rate", AUGUST_2018)
    assert (august.value, august.numerator, august.denominator) == (Decimal("0.0000"), 0, 1)
    assert _kpi("net_new_revenue", AUGUST_2018).value == Decimal("0.00")
    assert _kpi("cac", AUGUST_2018).extra["new_customers"] == 0


def test_reversing_the_returning_purchase_puts_the_churn_back(rep):
    returning = _customer(rep, "Returning", at("2017-03-01"))
    contact_update(
        contact=returning,
        actor=rep,
        data={"lifecycle": Lifecycle.CHURNED, "churned_at": at("2018-05-15")},
    )
    purchase = purchase_record(
        actor=rep, contact=returning, amount=Decimal("80.00"), purchased_at=at("2018-08-01")
    )

    purchase_reverse(purchase=purchase, actor=rep, reason="deal reopened")

    returning.refresh_from_db()
    assert (returning.lifecycle, returning.churned_at) == (Lifecycle.CHURNED, at("2018-05-15"))
    assert _spells(returning) == [(at("2017-03-01"), at("2018-05-15"), True)]


def test_a_purchase_dated_before_the_churn_does_not_undo_it(rep):
    contact = _customer(rep, "Gone", at("2017-03-01"))
    contact_update(
        contact=contact,
        actor=rep,
        data={"lifecycle": Lifecycle.CHURNED, "churned_at": at("2018-05-15")},
    )

    purchase_record(
        actor=rep, contact=contact, amount=Decimal("10.00"), purchased_at=at("2018-01-10")
    )

    contact.refresh_from_db()
    assert (contact.lifecycle, contact.churned_at) == (Lifecycle.CHURNED, at("2018-05-15"))
    assert _spells(contact) == [(at("2017-03-01"), at("2018-05-15"), True)]


def test_purchases_recorded_out_of_date_order(rep, settings):
    settings.GOALPOST_NEW_REVENUE_MONTHS = 6
    # A customer since 2012 who churns on 2013-04-10.
    leaving = _customer(rep, "Leaving", at("2012-01-01"), amount="999.00")
    contact_update(
        contact=leaving,
        actor=rep,
        data={"lifecycle": Lifecycle.CHURNED, "churned_at": at("2013-04-10")},
    )
    # The June purchase is recorded first, then the March one.
    late = _customer(rep, "Late", at("2013-06-01"), amount="100.00")
    purchase_record(actor=rep, contact=late, amount=Decimal("50.00"), purchased_at=at("2013-03-01"))

    late.refresh_from_db()
    assert late.customer_since == at("2013-03-01")
    assert _spells(late) == [(at("2013-03-01"), None, True)]

    # Spring (March-May): the March purchase is new revenue of a new customer; the June
    # one falls after the period.
    assert _kpi("new_revenue", SPRING_2013).value == Decimal("50.00")
    assert _kpi("net_new_revenue", SPRING_2013).value == Decimal("50.00")
    assert _kpi("cac", SPRING_2013).extra["new_customers"] == 1
    # April: both were customers at its start, "Leaving" was lost: 1 ÷ 2.
    churn = _kpi("churn_rate", APRIL_2013)
    assert (churn.value, churn.numerator, churn.denominator) == (Decimal("50.0000"), 1, 2)
    retention = _kpi("retention_rate", APRIL_2013)
    assert retention.value == Decimal("50.0000")
    assert retention.extra == {
        "customers_at_start": 2,
        "customers_lost": 1,
        "customers_at_end": 1,
        "new_customers": 0,
    }


def test_deleting_the_returning_purchase_puts_the_churn_back(rep, admin_user, api_as):
    returning = _customer(rep, "Returning", at("2017-03-01"))
    contact_update(
        contact=returning,
        actor=rep,
        data={"lifecycle": Lifecycle.CHURNED, "churned_at": at("2018-05-15")},
    )
    purchase = purchase_record(
        actor=rep, contact=returning, amount=Decimal("80.00"), purchased_at=at("2018-08-01")
    )

    response = api_as(admin_user).delete(f"/api/purchases/{purchase.pk}/")

    assert response.status_code == 204
    returning.refresh_from_db()
    assert (returning.lifecycle, returning.churned_at) == (Lifecycle.CHURNED, at("2018-05-15"))
    assert _spells(returning) == [(at("2017-03-01"), at("2018-05-15"), True)]
    assert not Purchase.history.filter(pk=purchase.pk).exists()


def test_deleting_the_only_purchase_undoes_the_customer(rep, admin_user, api_as):
    contact = contact_create(actor=rep, first_name="Mistake", lifecycle=Lifecycle.LEAD)
    purchase = purchase_record(
        actor=rep, contact=contact, amount=Decimal("10.00"), purchased_at=at("2018-03-01")
    )

    assert api_as(admin_user).delete(f"/api/purchases/{purchase.pk}/").status_code == 204

    contact.refresh_from_db()
    assert (contact.lifecycle, contact.customer_since, contact.churned_at) == (
        Lifecycle.LEAD,
        None,
        None,
    )
    assert _spells(contact) == []
    assert _kpi("new_revenue", Period(date(2018, 3, 1), date(2018, 4, 1))).value == Decimal("0.00")


def test_deleting_the_earliest_purchase_moves_customer_since_to_the_next(rep, admin_user, api_as):
    contact = _customer(rep, "Late", at("2013-06-01"))
    march = purchase_record(
        actor=rep, contact=contact, amount=Decimal("50.00"), purchased_at=at("2013-03-01")
    )

    assert api_as(admin_user).delete(f"/api/purchases/{march.pk}/").status_code == 204

    contact.refresh_from_db()
    assert (contact.lifecycle, contact.customer_since) == (Lifecycle.CUSTOMER, at("2013-06-01"))
    assert _spells(contact) == [(at("2013-06-01"), None, True)]
