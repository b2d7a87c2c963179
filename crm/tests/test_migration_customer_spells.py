"""crm 0010 backfills one customer spell per customer from the data already there."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("crm", "0009_user_and_contact_language")]
AFTER = [("crm", "0010_customer_spells")]


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_spells_are_backfilled_from_customer_since_churned_at_and_the_earliest_purchase():
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Contact, Purchase = old.get_model("crm", "Contact"), old.get_model("crm", "Purchase")
        churned = Contact.objects.create(
            first_name="Churned", customer_since=_at("2017-03-01"), churned_at=_at("2018-05-15")
        )
        # customer_since left at June although a March purchase was recorded after it.
        late = Contact.objects.create(first_name="Late", customer_since=_at("2013-06-01"))
        for day in ("2013-06-01", "2013-03-01"):
            Purchase.objects.create(contact=late, amount=Decimal("10"), purchased_at=_at(day))
        Contact.objects.create(first_name="Lead")

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Spell, Contact = new.get_model("crm", "CustomerSpell"), new.get_model("crm", "Contact")

        spells = Spell.objects.order_by("started_at").values_list(
            "contact__first_name", "started_at", "ended_at", "first"
        )
        assert list(spells) == [
            ("Late", _at("2013-03-01"), None, True),
            ("Churned", _at("2017-03-01"), _at("2018-05-15"), True),
        ]
        assert Contact.objects.get(pk=late.pk).customer_since == _at("2013-03-01")
        assert Contact.objects.get(pk=churned.pk).customer_since == _at("2017-03-01")
    finally:
        # Later apps' migrations that depend on crm were unapplied with it: back to the leaves.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
