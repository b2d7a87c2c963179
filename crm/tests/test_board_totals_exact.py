"""The board's column totals stay exact through every way a deal or a rate changes, and a
change re-sums only the columns it touched (crm.web.board_cache, crm.0029).

Transactional: each write commits as in production, so the next view reads the stage
versions the commit triggers bumped, not this test's own uncommitted writes.
"""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from crm.importing import services as imports
from crm.models import BulkKind, Deal, DuplicatePolicy
from crm.services.bulk import bulk_start
from crm.services.deals import deal_create, deal_delete, deal_mark_lost, deal_move_to_stage
from crm.tests.factories import pipeline_with_stages
from crm.tests.test_import_jobs import make_job
from crm.web import board_cache
from metrics.models import ExchangeRate

pytestmark = pytest.mark.django_db(transaction=True)

# A manager's board, cached or not: the totals statement reads every stage's stamp and
# sums the stale stages at once (no query of its own for the stamps).
BOARD_QUERIES = 10


@pytest.fixture
def board():
    return pipeline_with_stages(is_default=True)


def record_summed(monkeypatch) -> list[int]:
    """The stage ids whose totals the board sums (writes to the cache) from now on."""
    written: list[int] = []
    real = board_cache.cache

    class Recording:
        def __getattr__(self, name):
            return getattr(real, name)

        def set_many(self, data, timeout=None):
            written.extend(
                int(key.rsplit(":", 1)[1]) for key in data if key.startswith("board:totals:")
            )
            return real.set_many(data, timeout)

    monkeypatch.setattr(board_cache, "cache", Recording())
    return written


@pytest.fixture
def summed(monkeypatch):
    return record_summed(monkeypatch)


def shown(client, pipeline=None, **params) -> dict[str, tuple[int, Decimal]]:
    """{stage name: (count, total)} as the board page shows them."""
    url = reverse("web:board_pipeline", args=[pipeline.pk]) if pipeline else reverse("web:board")
    response = client.get(url, params)
    assert response.status_code == 200
    return {c.stage.name: (c.count, c.total) for c in response.context["columns"]}


def board_of(**columns) -> dict[str, tuple[int, Decimal]]:
    names = {"q": "Qualified", "n": "Needs analysis", "p": "Proposal", "g": "Negotiation"}
    empty = dict.fromkeys(names.values(), (0, Decimal("0")))
    return empty | {names[k]: (count, Decimal(total)) for k, (count, total) in columns.items()}


def test_a_change_re_sums_only_the_columns_it_touched_in_as_many_queries(
    client, manager, rep, board, summed, django_assert_num_queries
):
    _pipeline, stages = board
    a = deal_create(actor=manager, title="A", value=Decimal("100.00"), stage=stages[0], owner=rep)
    deal_create(actor=manager, title="B", value=Decimal("40.00"), stage=stages[1], owner=rep)
    client.force_login(manager)
    with django_assert_num_queries(BOARD_QUERIES):
        assert shown(client) == board_of(q=(1, "100.00"), n=(1, "40.00"))
    assert sorted(summed) == sorted(s.pk for s in stages)

    summed.clear()
    with django_assert_num_queries(BOARD_QUERIES):
        assert shown(client) == board_of(q=(1, "100.00"), n=(1, "40.00"))
    assert summed == []

    Deal.objects.filter(pk=a.pk).update(value=Decimal("150.00"))
    with django_assert_num_queries(BOARD_QUERIES):
        assert shown(client) == board_of(q=(1, "150.00"), n=(1, "40.00"))
    assert summed == [stages[0].pk]

    deal_move_to_stage(deal=Deal.objects.get(pk=a.pk), stage=stages[1], actor=manager)
    summed.clear()
    with django_assert_num_queries(BOARD_QUERIES):
        assert shown(client) == board_of(n=(2, "190.00"))
    assert sorted(summed) == sorted([stages[0].pk, stages[1].pk])


def test_api_patch_of_value_and_currency(api_as, client, manager, board, summed):
    _pipeline, stages = board
    deal = deal_create(actor=manager, title="A", value=Decimal("100.00"), stage=stages[2])
    client.force_login(manager)
    assert shown(client) == board_of(p=(1, "100.00"))
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.5"), valid_from=date(2000, 1, 1))
    assert shown(client) == board_of(p=(1, "100.00"))

    summed.clear()
    url = f"/api/deals/{deal.pk}/"
    assert api_as(manager).patch(url, {"value": "30.00"}, format="json").status_code == 200
    assert shown(client) == board_of(p=(1, "30.00"))
    assert summed == [stages[2].pk]

    assert api_as(manager).patch(url, {"currency": "EUR"}, format="json").status_code == 200
    assert shown(client) == board_of(p=(1, "60.00"))


def test_a_drag_between_columns_answers_both_and_the_next_view_is_cached(
    client, rep, board, summed
):
    _pipeline, stages = board
    deal = deal_create(actor=rep, title="A", value=Decimal("70.00"), stage=stages[0])
    deal_create(actor=rep, title="B", value=Decimal("5.00"), stage=stages[1])
    client.force_login(rep)
    assert shown(client) == board_of(q=(1, "70.00"), n=(1, "5.00"))

    moved = client.post(
        reverse("web:deal_move", args=[deal.pk]), {"stage": stages[1].pk, "order": ""}
    ).json()

    assert {k: v["count"] for k, v in moved["columns"].items()} == {
        str(stages[0].pk): 0,
        str(stages[1].pk): 2,
    }
    summed.clear()
    assert shown(client) == board_of(n=(2, "75.00"))
    # The drag's answer summed both columns after its commit; the board reads them.
    assert summed == []


def test_an_import_of_deals(client, manager, board, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(manager)
    assert shown(client) == board_of()
    rows = [
        ["Deal", "Value", "Stage"],
        ["One", "100", "Proposal"],
        ["Two", "250.50", "Proposal"],
        ["Three", "10", "Qualified"],
    ]
    job = make_job(manager, "deals", rows, policy=DuplicatePolicy.SKIP)
    with mock.patch.object(imports, "enqueue_on_commit"):
        imports.import_job_start(job=job, actor=manager)
    imports.import_job_run(job_id=job.pk)

    assert shown(client) == board_of(p=(2, "350.50"), q=(1, "10.00"))


def test_bulk_move_reassign_and_delete(client, manager, rep, other_rep, board):
    _pipeline, stages = board
    deals = [
        deal_create(actor=manager, title=f"D{i}", value=Decimal(10 * (i + 1)), stage=stages[0])
        for i in range(3)
    ]
    for deal in deals:
        Deal.objects.filter(pk=deal.pk).update(owner=rep)
    client.force_login(rep)
    assert shown(client) == board_of(q=(3, "60.00"))
    ids = [d.pk for d in deals]

    bulk_start(
        actor=manager,
        resource="deals",
        kind=BulkKind.MOVE_STAGE,
        ids=ids[:2],
        params={"stage": stages[3].pk},
    )
    assert shown(client) == board_of(q=(1, "30.00"), g=(2, "30.00"))

    bulk_start(
        actor=manager,
        resource="deals",
        kind=BulkKind.REASSIGN,
        ids=ids[1:],
        params={"owner": other_rep.pk},
    )
    assert shown(client) == board_of(g=(1, "10.00"))
    client.force_login(other_rep)
    assert shown(client) == board_of(q=(1, "30.00"), g=(1, "20.00"))

    bulk_start(actor=manager, resource="deals", kind=BulkKind.DELETE, ids=[ids[2]])
    assert shown(client) == board_of(g=(1, "20.00"))


def test_raw_sql_and_queryset_update_and_delete(client, manager, board):
    _pipeline, stages = board
    a = deal_create(actor=manager, title="A", value=Decimal("10.00"), stage=stages[0])
    b = deal_create(actor=manager, title="B", value=Decimal("20.00"), stage=stages[0])
    client.force_login(manager)
    assert shown(client) == board_of(q=(2, "30.00"))

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_deal SET stage_id = %s, value = 25 WHERE id = %s", [stages[2].pk, a.pk]
        )
    assert shown(client) == board_of(q=(1, "20.00"), p=(1, "25.00"))

    Deal.objects.filter(pk=b.pk).update(value=Decimal("21.00"))
    assert shown(client) == board_of(q=(1, "21.00"), p=(1, "25.00"))

    deal_delete(deal=Deal.objects.get(pk=a.pk), actor=manager)
    assert shown(client) == board_of(q=(1, "21.00"))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM crm_stagechange WHERE deal_id = %s", [b.pk])
        cursor.execute("DELETE FROM crm_deal WHERE id = %s", [b.pk])
    assert shown(client) == board_of()


def test_won_from_the_board_and_lost_leave_the_open_board(client, rep, board):
    _pipeline, stages = board
    won = deal_create(actor=rep, title="W", value=Decimal("80.00"), stage=stages[1])
    lost = deal_create(actor=rep, title="L", value=Decimal("15.00"), stage=stages[1])
    deal_create(actor=rep, title="K", value=Decimal("5.00"), stage=stages[1])
    client.force_login(rep)
    assert shown(client) == board_of(n=(3, "100.00"))

    response = client.post(
        reverse("web:deal_won", args=[won.pk]), {"from": "board"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert shown(client) == board_of(n=(2, "20.00"))

    deal_mark_lost(deal=lost, actor=rep, reason="Budget")
    assert shown(client) == board_of(n=(1, "5.00"))


def test_an_owner_change_moves_the_deal_between_rep_boards_and_owner_filters(
    api_as, client, manager, rep, other_rep, board
):
    _pipeline, stages = board
    deal = deal_create(actor=rep, title="A", value=Decimal("60.00"), stage=stages[0])
    deal_create(actor=other_rep, title="B", value=Decimal("7.00"), stage=stages[0])
    client.force_login(rep)
    assert shown(client) == board_of(q=(1, "60.00"))
    client.force_login(manager)
    assert shown(client, owner=rep.pk) == board_of(q=(1, "60.00"))
    assert shown(client, owner=other_rep.pk) == board_of(q=(1, "7.00"))
    assert shown(client) == board_of(q=(2, "67.00"))

    response = api_as(manager).patch(
        f"/api/deals/{deal.pk}/", {"owner": other_rep.pk}, format="json"
    )
    assert response.status_code == 200

    assert shown(client, owner=rep.pk) == board_of()
    assert shown(client, owner=other_rep.pk) == board_of(q=(2, "67.00"))
    assert shown(client) == board_of(q=(2, "67.00"))
    client.force_login(rep)
    assert shown(client) == board_of()
    client.force_login(other_rep)
    assert shown(client) == board_of(q=(2, "67.00"))


def test_a_pipeline_change_leaves_one_board_for_the_other(client, manager, board):
    pipeline, stages = board
    other, other_stages = pipeline_with_stages(name="Renewals")
    deal = deal_create(actor=manager, title="A", value=Decimal("90.00"), stage=stages[2])
    client.force_login(manager)
    assert shown(client, pipeline) == board_of(p=(1, "90.00"))
    assert shown(client, other) == board_of()

    Deal.objects.filter(pk=deal.pk).update(pipeline=other, stage=other_stages[1])

    assert shown(client, pipeline) == board_of()
    assert shown(client, other) == board_of(n=(1, "90.00"))


def test_an_exchange_rate_added_changed_and_removed(client, manager, board):
    _pipeline, stages = board
    deal = deal_create(actor=manager, title="A", value=Decimal("90.00"), stage=stages[0])
    Deal.objects.filter(pk=deal.pk).update(currency="EUR")
    client.force_login(manager)
    assert shown(client) == board_of(q=(1, "0"))

    rate = ExchangeRate.objects.create(
        currency="EUR", rate=Decimal("0.9"), valid_from=date(2000, 1, 1)
    )
    assert shown(client) == board_of(q=(1, "100.00"))

    ExchangeRate.objects.filter(pk=rate.pk).update(rate=Decimal("0.45"))
    assert shown(client) == board_of(q=(1, "200.00"))

    rate.delete()
    assert shown(client) == board_of(q=(1, "0"))
