"""The board's caches never show what changed: totals follow the board version (database
triggers), cards follow what they show."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Contact, Deal
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, pipeline_with_stages
from crm.web.board_cache import board_version
from metrics.models import ExchangeRate


@pytest.fixture
def stages(db):
    return pipeline_with_stages(is_default=True)[1]


def _first_column(client):
    return client.get(reverse("web:board")).context["columns"][0]


def test_a_repeated_view_reads_the_totals_from_the_cache(client, manager, stages):
    deal_create(actor=manager, title="Cached", value=Decimal("10.00"), stage=stages[0])
    client.force_login(manager)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("web:board"))
    with CaptureQueriesContext(connection) as second:
        column = _first_column(client)
    assert len(second.captured_queries) == len(first.captured_queries) - 1
    assert (column.count, column.total) == (1, Decimal("10.00"))


def test_changes_by_any_path_show_on_the_next_view(client, manager, rep, stages):
    kept = deal_create(actor=rep, title="Kept", value=Decimal("100.00"), stage=stages[0])
    gone = deal_create(actor=manager, title="Gone", value=Decimal("50.00"), stage=stages[0])
    client.force_login(manager)
    column = _first_column(client)
    assert (column.count, column.total) == (2, Decimal("150.00"))

    # A queryset update leaves updated_at alone, a delete leaves nothing behind.
    Deal.objects.filter(pk=kept.pk).update(value=Decimal("120.00"))
    column = _first_column(client)
    assert (column.count, column.total) == (2, Decimal("170.00"))
    Deal.objects.filter(pk=gone.pk).delete()
    column = _first_column(client)
    assert (column.count, column.total, [c.title for c in column.cards]) == (
        1,
        Decimal("120.00"),
        ["Kept"],
    )

    # The same board as another user's scope is another cache entry.
    deal_create(actor=manager, title="Manager's", value=Decimal("5.00"), stage=stages[0])
    client.force_login(rep)
    assert _first_column(client).count == 1
    client.force_login(manager)
    assert _first_column(client).count == 2


def test_a_new_exchange_rate_converts_the_total_on_the_next_view(client, manager, stages):
    deal = deal_create(actor=manager, title="Euro", value=Decimal("90.00"), stage=stages[0])
    Deal.objects.filter(pk=deal.pk).update(currency="EUR")
    client.force_login(manager)
    column = _first_column(client)
    assert (column.total, column.warning != "") == (Decimal("0.00"), True)

    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.9"), valid_from=date(2000, 1, 1))

    column = _first_column(client)
    assert (column.total, column.warning) == (Decimal("100.00"), "")


def test_a_renamed_contact_redraws_its_card(client, manager, stages):
    contact = ContactFactory(first_name="Ada", last_name="Lovelace")
    deal_create(actor=manager, title="Engine", stage=stages[0], contact=contact)
    client.force_login(manager)
    assert "Ada Lovelace" in client.get(reverse("web:board")).content.decode()

    Contact.objects.filter(pk=contact.pk).update(first_name="Augusta")

    html = client.get(reverse("web:board")).content.decode()
    assert "Augusta Lovelace" in html and "Ada Lovelace" not in html


@pytest.mark.django_db(transaction=True)
def test_the_board_version_changes_when_a_deal_or_rate_change_commits(rep, stages):
    before = board_version()
    committed, own_write = before.split(":")
    assert own_write == ""

    deal = deal_create(actor=rep, title="Committed", stage=stages[0])
    after_deal = board_version()
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.9"), valid_from=date(2026, 1, 1))
    after_rate = board_version()

    assert len({before, after_deal, after_rate}) == 3
    assert int(committed) < int(after_deal.split(":")[0]) < int(after_rate.split(":")[0])
    assert after_deal.endswith(":") and after_rate.endswith(":")

    # Inside a transaction its own writes are its own key, rolled back with the rows.
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(position=5)
        written = board_version()
        with transaction.atomic():
            Deal.objects.filter(pk=deal.pk).update(position=6)
            assert board_version() != written
            transaction.set_rollback(True)
        assert board_version() == written
        assert written.split(":")[0] == after_rate.split(":")[0] and not written.endswith(":")
