"""Invariants hold in the database itself, whatever path a row takes (raw ORM, SQL, import)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Deal, Lead, NpsResponse, Purchase, Spend, StageChange, Ticket
from crm.tests.factories import (
    ContactFactory,
    DealFactory,
    StageFactory,
    pipeline_with_stages,
)

NOW = timezone.now()


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.django_db
def test_deal_value_cannot_be_negative():
    stage = StageFactory()

    refused(
        lambda: Deal.objects.create(
            title="x", value=Decimal("-0.01"), stage=stage, pipeline=stage.pipeline
        )
    )
    assert Deal.objects.create(title="x", value=0, stage=stage, pipeline=stage.pipeline).pk


@pytest.mark.django_db
def test_a_closed_deal_has_a_closing_time_and_an_open_one_none():
    stage = StageFactory()
    base = {"title": "x", "stage": stage, "pipeline": stage.pipeline}

    refused(lambda: Deal.objects.create(**base, status="won", closed_at=None))
    refused(lambda: Deal.objects.create(**base, status="open", closed_at=NOW))
    refused(
        lambda: Deal.objects.create(
            **base, status="lost", created_at=NOW, closed_at=NOW - timedelta(seconds=1)
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scale", "score", "ok"),
    [
        (10, 0, True),
        (10, 10, True),
        (10, 11, False),
        (5, 1, True),
        (5, 5, True),
        (5, 0, False),
        (5, 6, False),
    ],
)
def test_nps_score_within_its_scale(scale, score, ok):
    contact = ContactFactory()

    def create():
        return NpsResponse.objects.create(
            contact=contact, score=score, scale=scale, responded_at=NOW
        )

    if ok:
        assert create().pk
    else:
        refused(create)


@pytest.mark.django_db
def test_ticket_resolved_or_answered_before_opened_is_refused():
    refused(
        lambda: Ticket.objects.create(subject="x", opened_at=NOW, resolved_at=NOW - timedelta(1))
    )
    refused(
        lambda: Ticket.objects.create(
            subject="x", opened_at=NOW, first_response_at=NOW - timedelta(1)
        )
    )
    assert Ticket.objects.create(subject="x", opened_at=NOW, resolved_at=NOW).pk


@pytest.mark.django_db
def test_money_is_never_negative():
    contact = ContactFactory()

    refused(lambda: Purchase.objects.create(contact=contact, amount=-1, purchased_at=NOW))
    refused(lambda: Spend.objects.create(month="2025-01-01", category="sales", amount=-1))


@pytest.mark.django_db
def test_spend_is_kept_per_month():
    refused(lambda: Spend.objects.create(month="2025-01-02", category="sales", amount=1))


@pytest.mark.django_db
def test_a_deal_has_one_open_stage_stay_and_leaves_after_entering():
    _, stages = pipeline_with_stages(names=("A", "B"))
    deal = DealFactory(stage=stages[0])
    StageChange.objects.create(deal=deal, stage=stages[0], entered_at=NOW)

    refused(lambda: StageChange.objects.create(deal=deal, stage=stages[1], entered_at=NOW))
    refused(
        lambda: StageChange.objects.create(
            deal=deal, stage=stages[1], entered_at=NOW, left_at=NOW - timedelta(1)
        )
    )


@pytest.mark.django_db
def test_a_lead_is_converted_exactly_when_it_has_a_conversion_time():
    contact = ContactFactory()

    refused(lambda: Lead.objects.create(contact=contact, status="converted"))
    refused(lambda: Lead.objects.create(contact=contact, status="new", converted_at=NOW))
