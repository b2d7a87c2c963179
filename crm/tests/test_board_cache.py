"""The board's caches never show what changed: totals follow each stage's stamp (database
triggers), cards follow what they show."""

import queue
import threading
import time
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Contact, Deal
from crm.services.deals import deal_create, deal_move_to_stage
from crm.tests.factories import ContactFactory, pipeline_with_stages
from crm.tests.test_board_totals_exact import record_summed
from crm.web.board_cache import board_stamps
from metrics.models import ExchangeRate


@pytest.fixture
def summed(monkeypatch):
    return record_summed(monkeypatch)


@pytest.fixture
def stages(db):
    return pipeline_with_stages(is_default=True)[1]


def _first_column(client):
    return client.get(reverse("web:board")).context["columns"][0]


def test_a_repeated_view_reads_the_totals_from_the_cache(client, manager, stages, summed):
    deal_create(actor=manager, title="Cached", value=Decimal("10.00"), stage=stages[0])
    client.force_login(manager)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("web:board"))
    assert sorted(summed) == sorted(stage.pk for stage in stages)
    summed.clear()
    with CaptureQueriesContext(connection) as second:
        column = _first_column(client)
    # The same statement reads the stamps and finds nothing to sum.
    assert len(second.captured_queries) == len(first.captured_queries)
    assert summed == []
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
def test_a_commit_changes_the_stamps_of_the_stages_it_touched_and_rates_change_all(rep, stages):
    ids = [stage.pk for stage in stages]
    before = board_stamps(ids)
    assert all(stamp.endswith(":") for stamp in before.values())  # no own writes

    deal = deal_create(actor=rep, title="Committed", stage=stages[0])
    created = board_stamps(ids)
    assert [created[i] != before[i] for i in ids] == [True, False, False, False]

    deal_move_to_stage(deal=deal, stage=stages[2], actor=rep)
    moved = board_stamps(ids)
    assert [moved[i] != created[i] for i in ids] == [True, False, True, False]

    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.9"), valid_from=date(2026, 1, 1))
    rated = board_stamps(ids)
    assert [rated[i] != moved[i] for i in ids] == [True] * 4
    assert all(stamp.endswith(":") for stamp in rated.values())

    # Inside a transaction its own writes are its own keys for the stages they touched,
    # rolled back with the rows.
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(position=5)
        written = board_stamps(ids)
        assert [written[i] != rated[i] for i in ids] == [False, False, True, False]
        with transaction.atomic():
            Deal.objects.filter(pk=deal.pk).update(position=6)
            assert board_stamps(ids)[stages[2].pk] != written[stages[2].pk]
            transaction.set_rollback(True)
        assert board_stamps(ids) == written
    committed = board_stamps(ids)
    assert [committed[i] != rated[i] for i in ids] == [False, False, True, False]
    assert committed[stages[2].pk] != written[stages[2].pk]


@pytest.mark.django_db(transaction=True)
def test_writes_under_immediate_constraints_and_truncate_change_the_stamps(rep, stages):
    ids = [stage.pk for stage in stages]
    first = deal_create(actor=rep, title="First", stage=stages[0])
    second = deal_create(actor=rep, title="Second", stage=stages[1])
    before = board_stamps(ids)

    # Row constraint triggers fire before the statement's own there: the statement
    # trigger bumps at once, for every later statement too.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        Deal.objects.filter(pk=first.pk).update(value=Decimal("3.00"))
        Deal.objects.filter(pk=second.pk).update(value=Decimal("4.00"))
    after = board_stamps(ids)
    assert [after[i] != before[i] for i in ids] == [True, True, False, False]

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE crm_deal CASCADE")
    truncated = board_stamps(ids)
    assert [truncated[i] != after[i] for i in ids] == [True] * 4


@pytest.mark.django_db(transaction=True)
def test_bumps_taken_in_opposite_stage_orders_wait_instead_of_deadlocking(rep, stages):
    """Two transactions bumping at once (SET CONSTRAINTS … IMMEDIATE) stage A then B and
    B then A: the second waits for the board version row lock instead of holding B while
    the first waits for it (a deadlock: one of them would fail)."""
    ids = [stage.pk for stage in stages]
    a1, a2 = (deal_create(actor=rep, title=f"A{i}", stage=stages[0]) for i in range(2))
    b1, b2 = (deal_create(actor=rep, title=f"B{i}", stage=stages[1]) for i in range(2))
    before = board_stamps(ids)
    params = connection.get_connection_params()
    other_pid, other_error = queue.Queue(), []

    def other_transaction():
        try:
            with psycopg.connect(**params) as other, other.transaction():
                other.execute("SET CONSTRAINTS ALL IMMEDIATE")
                other.execute("SET LOCAL lock_timeout = '120s'")
                other_pid.put(other.execute("SELECT pg_backend_pid()").fetchone()[0])
                other.execute("UPDATE crm_deal SET position = 1 WHERE id = %s", [b2.pk])
                other.execute("UPDATE crm_deal SET position = 1 WHERE id = %s", [a2.pk])
        except Exception as error:  # reported below
            other_error.append(error)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("UPDATE crm_deal SET position = 1 WHERE id = %s", [a1.pk])
        thread = threading.Thread(target=other_transaction)
        thread.start()
        pid = other_pid.get(timeout=60)
        # Until the other transaction waits for a lock (or, were bumps not serialised,
        # has bumped stage B). pg_stat_activity is snapshotted once per transaction,
        # so each look clears the snapshot first.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == "Lock":
                break
            threading.Event().wait(0.1)
        cursor.execute("UPDATE crm_deal SET position = 1 WHERE id = %s", [b1.pk])
    thread.join(60)

    assert other_error == []
    after = board_stamps(ids)
    assert [after[i] != before[i] for i in ids] == [True, True, False, False]
