"""model_save validates as full_clean does, without re-reading a related row it holds."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Contact, Deal
from crm.services.common import model_save
from crm.tests.factories import ContactFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db


def _lookups_of(table: str, queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def test_a_related_row_in_hand_is_not_looked_up_again(rep):
    _pipeline, stages = pipeline_with_stages()
    contact = ContactFactory()
    deal = Deal(title="Kestane", stage=stages[0], pipeline=stages[0].pipeline, contact=contact)
    with CaptureQueriesContext(connection) as captured:
        model_save(deal)
    assert _lookups_of("crm_contact", captured) == []
    assert _lookups_of("crm_stage", captured) == []
    assert Deal.objects.get(pk=deal.pk).contact == contact


def test_a_key_given_as_an_id_is_still_checked(rep):
    _pipeline, stages = pipeline_with_stages()
    gone = ContactFactory()
    gone_id = gone.pk
    gone.delete()
    deal = Deal(title="Kestane", stage=stages[0], pipeline=stages[0].pipeline, contact_id=gone_id)
    with pytest.raises(ValidationError) as raised:
        model_save(deal)
    assert list(raised.value.message_dict) == ["contact"]
    assert not Deal.objects.exists()


def test_field_clean_and_constraint_errors_come_together():
    contact = Contact(first_name="", last_name="", email="not an email")
    with pytest.raises(ValidationError) as raised:
        model_save(contact)
    assert "email" in raised.value.message_dict
    assert not Contact.objects.exists()


def test_check_constraints_are_evaluated_together_with_each_error_kept(rep):
    _pipeline, stages = pipeline_with_stages()
    deal = Deal(title="Kestane", stage=stages[0], pipeline=stages[0].pipeline, value=1)
    model_save(deal)
    deal.closed_at = deal.created_at - timedelta(days=1)  # open yet closed, before created
    with CaptureQueriesContext(connection) as captured, pytest.raises(ValidationError) as raised:
        model_save(deal)
    assert raised.value.message_dict == {
        "__all__": [
            "Constraint “deal_closed_at_iff_closed” is violated.",
            "Constraint “deal_closed_after_created” is violated.",
        ]
    }
    checks = [q for q in captured if q["sql"].startswith("SELECT COALESCE(")]
    assert len(checks) == 1, [q["sql"] for q in captured]
    assert Deal.objects.get(pk=deal.pk).value == 1


def test_a_check_on_a_field_that_failed_is_skipped_and_the_others_still_run(rep):
    _pipeline, stages = pipeline_with_stages()
    deal = Deal(title="Kestane", stage=stages[0], pipeline=stages[0].pipeline, value=1)
    model_save(deal)
    deal.value = "many"  # a field error: its constraint (value >= 0) cannot be evaluated
    deal.closed_at = deal.created_at + timedelta(days=1)  # closed while open
    with pytest.raises(ValidationError) as raised:
        model_save(deal)
    errors = raised.value.message_dict
    assert list(errors["value"]) == ["“many” value must be a decimal number."]
    assert errors["__all__"] == ["Constraint “deal_closed_at_iff_closed” is violated."]
