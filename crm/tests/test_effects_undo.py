"""Effects undo with their cause: a reopened won deal reverses its purchase (issue 14)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from crm.constraints import constraint_error
from crm.models import Contact, Lifecycle, Purchase, StageChange
from crm.services.deals import deal_create, deal_mark_lost, deal_mark_won, deal_reopen
from crm.services.revenue import purchase_record
from crm.tests.factories import ContactFactory, pipeline_with_stages
from metrics import registry
from metrics.scopes import Period, Scope

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def stages(db):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    return stages


def _new_revenue(year=2025):
    period = Period(date(year, 1, 1), date(year + 1, 1, 1))
    return registry.compute("new_revenue", period, Scope.company())


def test_won_reopened_lost_counts_no_revenue_and_contact_is_not_a_customer(rep, stages):
    contact = ContactFactory(lifecycle=Lifecycle.PROSPECT)
    deal = deal_create(
        actor=rep, title="$400", value=Decimal("400"), contact=contact, created_at=T0
    )
    deal_mark_won(deal=deal, actor=rep, at=T0 + timedelta(days=1))
    contact.refresh_from_db()
    assert (contact.lifecycle, contact.customer_since) == ("customer", T0 + timedelta(days=1))

    deal_reopen(deal=deal, actor=rep)
    deal_mark_lost(deal=deal, actor=rep, reason="Budget", at=T0 + timedelta(days=2))

    contact.refresh_from_db()
    assert (contact.lifecycle, contact.customer_since, contact.churned_at) == (
        "prospect",
        None,
        None,
    )
    assert Purchase.objects.filter(deal=deal).count() == 0
    kept = Purchase.history.get(deal=deal)
    assert kept.amount == Decimal("400.00") and kept.reversed_at is not None
    assert kept.reversal_reason == "The deal was reopened."
    assert _new_revenue().value in (None, Decimal("0"), 0)


def test_reopen_keeps_the_customer_when_another_purchase_stands(rep, stages):
    contact = ContactFactory()
    purchase_record(actor=rep, contact=contact, amount=Decimal("50"), purchased_at=T0)
    deal = deal_create(
        actor=rep, title="More", value=Decimal("400"), contact=contact, created_at=T0
    )
    deal_mark_won(deal=deal, actor=rep, at=T0 + timedelta(days=3))
    deal_reopen(deal=deal, actor=rep)
    contact.refresh_from_db()
    assert (contact.lifecycle, contact.customer_since) == ("customer", T0)
    assert list(Purchase.objects.filter(contact=contact).values_list("amount", flat=True)) == [
        Decimal("50.00")
    ]


def test_won_again_after_reopen_records_one_standing_purchase(rep, stages):
    contact = ContactFactory()
    deal = deal_create(actor=rep, title="Again", value=Decimal("400"), contact=contact)
    deal_mark_won(deal=deal, actor=rep)
    deal_reopen(deal=deal, actor=rep)
    deal_mark_won(deal=deal, actor=rep)
    assert Purchase.objects.filter(deal=deal).count() == 1
    assert Purchase.history.filter(deal=deal).count() == 2
    assert Contact.objects.get(pk=contact.pk).lifecycle == "customer"


def test_backdated_close_after_reopen_works(rep, api_as, stages):
    contact = ContactFactory()
    deal = deal_create(
        actor=rep, title="Late", value=Decimal("400"), contact=contact, created_at=T0
    )
    client = api_as(rep)
    url = f"/api/deals/{deal.pk}/"
    assert client.patch(url, {"status": "won"}, format="json").status_code == 200
    assert client.patch(url, {"status": "open"}, format="json").status_code == 200

    lost = client.patch(
        url,
        {"status": "lost", "lost_reason": "Budget", "closed_at": "2025-03-05T09:00:00Z"},
        format="json",
    )

    assert lost.status_code == 200, lost.data
    assert lost.data["closed_at"] == "2025-03-05T09:00:00Z"
    spells = list(StageChange.objects.filter(deal=deal).values_list("entered_at", "left_at"))
    assert spells == [(T0, T0 + timedelta(days=2))]


def test_close_before_the_stage_was_entered_names_closed_at(rep, api_as, stages):
    deal = deal_create(actor=rep, title="Early", value=Decimal("1"), created_at=T0)
    client = api_as(rep)
    response = client.patch(
        f"/api/deals/{deal.pk}/",
        {"status": "won", "closed_at": (T0 - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.data) == ["closed_at"]


def _violation(sql, params):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as exc:
        return constraint_error(exc)
    raise AssertionError("no violation")


def test_a_check_constraint_names_its_fields(rep, stages):
    deal = deal_create(actor=rep, title="C", value=Decimal("1"), created_at=T0)
    error = _violation(
        "UPDATE crm_stagechange SET left_at = entered_at - interval '1 hour' WHERE deal_id = %s",
        [deal.pk],
    )
    assert set(error) == {"left_at", "entered_at"}
    assert error["left_at"] == [
        "Left at, entered at: these values conflict with each other or with existing data."
    ]


def test_a_unique_constraint_names_its_fields(rep, stages):
    contact = ContactFactory()
    deal = deal_create(actor=rep, title="U", value=Decimal("5"), contact=contact)
    deal_mark_won(deal=deal, actor=rep)
    error = _violation(
        "INSERT INTO crm_purchase (contact_id, amount, currency, purchased_at, product, "
        "category, deal_id, reversal_reason) VALUES (%s, 5, 'USD', now(), '', '', %s, '')",
        [contact.pk, deal.pk],
    )
    assert list(error) == ["deal"]
    assert error["deal"] == ["Deal: This deal already has a purchase."]


def test_the_contact_timeline_keeps_the_reversed_purchase(client, manager, stages):
    from django.urls import reverse

    contact = ContactFactory()
    deal = deal_create(actor=manager, title="Widget", value=Decimal("400"), contact=contact)
    deal_mark_won(deal=deal, actor=manager)
    client.force_login(manager)
    assert client.post(reverse("web:deal_reopen", args=[deal.pk])).status_code == 302

    page = client.get(reverse("web:contact_detail", args=[contact.pk])).text
    assert "Purchase: Widget" in page
    assert "reversed on" in page and "The deal was reopened." in page
