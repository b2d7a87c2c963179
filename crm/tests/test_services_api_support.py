"""Services added or fixed for the API: users, pipelines, corrections of recorded rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import Pipeline
from crm.services.activities import activity_create, activity_update
from crm.services.contacts import interaction_record, interaction_update
from crm.services.deals import deal_create
from crm.services.pipelines import pipeline_create, pipeline_update, stage_create
from crm.services.revenue import purchase_update, spend_record, spend_update
from crm.services.users import user_create, user_update
from crm.tests.factories import (
    ActivityFactory,
    ContactFactory,
    PurchaseFactory,
    pipeline_with_stages,
)


def test_a_new_default_pipeline_demotes_the_old_one(admin_user):
    old = pipeline_create(actor=admin_user, name="Sales", is_default=True)
    new = pipeline_create(actor=admin_user, name="Renewals", is_default=True)

    assert list(Pipeline.objects.filter(is_default=True)) == [new]
    pipeline_update(pipeline=old, actor=admin_user, data={"is_default": True})
    assert list(Pipeline.objects.filter(is_default=True)) == [old]


def test_stages_are_appended_in_order(admin_user):
    pipeline = pipeline_create(actor=admin_user, name="Sales")

    first = stage_create(actor=admin_user, pipeline=pipeline, name="Qualified")
    second = stage_create(actor=admin_user, pipeline=pipeline, name="Proposal")

    assert (first.position, second.position) == (0, 1)
    with pytest.raises(ValidationError) as exc:
        stage_create(actor=admin_user, pipeline=pipeline, name="Qualified")
    assert "__all__" in exc.value.message_dict


def test_user_create_validates_and_hashes_the_password(admin_user):
    user = user_create(
        actor=admin_user, username="kim", role="manager", password="L0ng-enough-pass"
    )

    assert user.check_password("L0ng-enough-pass")
    assert user.password != "L0ng-enough-pass"
    with pytest.raises(ValidationError) as exc:
        user_create(actor=admin_user, username="kim2", password="kim2")
    assert list(exc.value.message_dict) == ["password"]
    without = user_create(actor=admin_user, username="sso")
    assert not without.has_usable_password()
    user_update(user=user, actor=admin_user, data={"role": "rep"})
    assert user.role == "rep"


def test_activity_ownership_errors_name_the_assignee(rep, other_rep):
    with pytest.raises(ValidationError) as created:
        activity_create(actor=rep, kind="call", subject="x", assignee=other_rep)
    activity = ActivityFactory(assignee=rep)
    with pytest.raises(ValidationError) as updated:
        activity_update(activity=activity, actor=rep, data={"assignee": other_rep})

    assert list(created.value.message_dict) == ["assignee"]
    assert list(updated.value.message_dict) == ["assignee"]
    assert activity_create(actor=rep, kind="call", subject="x").assignee == rep


def test_deal_create_returns_the_closed_deal(manager):
    _, stages = pipeline_with_stages()

    won = deal_create(actor=manager, title="w", stage=stages[0], status="won")
    lost = deal_create(
        actor=manager, title="l", stage=stages[0], status="lost", lost_reason="Price"
    )

    assert (won.status, won.closed_at is not None) == ("won", True)
    assert (lost.status, lost.lost_reason) == ("lost", "Price")


def test_purchase_and_spend_corrections(manager):
    purchase = PurchaseFactory()
    spend = spend_record(actor=manager, month=date(2025, 5, 20), category="sales", amount=10)

    purchase_update(purchase=purchase, actor=manager, data={"amount": Decimal("12.50")})
    spend_update(spend=spend, actor=manager, data={"month": date(2025, 6, 9)})

    purchase.refresh_from_db()
    spend.refresh_from_db()
    assert purchase.amount == Decimal("12.50")
    assert purchase.contact.lifecycle == "customer"
    assert spend.month == date(2025, 6, 1)
    with pytest.raises(ValidationError) as exc:
        purchase_update(purchase=purchase, actor=manager, data={"amount": Decimal("-1")})
    assert "amount" in exc.value.message_dict


def test_interaction_update_refuses_unknown_fields(marketer):
    interaction = interaction_record(actor=marketer, contact=ContactFactory(), kind="email_opened")

    interaction_update(interaction=interaction, actor=marketer, data={"kind": "email_replied"})

    assert interaction.kind == "email_replied"
    with pytest.raises(ValidationError):
        interaction_update(interaction=interaction, actor=marketer, data={"id": 5})
