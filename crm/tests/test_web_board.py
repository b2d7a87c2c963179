"""The pipeline board: constant queries, totals, moves through the service, won/lost, quick-add."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Deal, DealStatus, DomainEvent, StageChange
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, pipeline_with_stages
from crm.web.selectors import CARDS_PER_COLUMN

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    return pipeline_with_stages(is_default=True)[1]


def _bulk_deals(stages, owners, count, start=0):
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            title=f"Bulk {i}",
            value=Decimal("100.00"),
            pipeline=stages[0].pipeline,
            stage=stages[i % len(stages)],
            owner=owners[(i // len(stages)) % len(owners)],
            contact=None,
            stage_entered_at=now,
            created_at=now,
        )
        for i in range(start, start + count)
    )


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_board_query_count_does_not_grow_with_deals(
    client, request, stages, rep, other_rep, django_assert_num_queries, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    owners = [rep, other_rep]
    # 8 deals, all in the first column: the other columns are empty, as a rep's often are.
    _bulk_deals(stages[:1], owners, 8)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("web:board")).status_code == 200
    _bulk_deals(stages, owners, 192, start=8)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("web:board"))
    assert response.status_code == 200
    # 8 + 48 deals in the first column, half of them the rep's.
    expected = 56 if role == "manager" else 28
    assert response.context["columns"][0].count == expected
    assert [len(column.cards) for column in response.context["columns"]] == [CARDS_PER_COLUMN] * 4
    html = response.content.decode()
    assert html.count('class="card"') == 4 * CARDS_PER_COLUMN
    assert html.count("Load more") == 4


def test_columns_show_count_total_and_first_cards(client, rep, stages):
    client.force_login(rep)
    for value in ("1000.00", "250.50"):
        deal_create(actor=rep, title=f"Deal {value}", value=Decimal(value), stage=stages[1])
    response = client.get(reverse("web:board"))
    column = response.context["columns"][1]
    assert (column.count, column.total) == (2, Decimal("1250.50"))
    html = response.content.decode()
    assert f'data-stage-id="{stages[1].pk}"' in html
    assert "$1,250.50" in html


def test_each_card_links_its_own_deal_and_draws_icons_from_the_pages_sprite(client, rep, stages):
    client.force_login(rep)
    deals = [deal_create(actor=rep, title=f"Card {i}", stage=stages[0]) for i in range(3)]

    html = client.get(reverse("web:board")).content.decode()

    for deal in deals:
        for name in ("web:deal_detail", "web:deal_move", "web:deal_won", "web:deal_lost"):
            assert reverse(name, args=[deal.pk]) in html
    assert html.count('<symbol id="icon-trophy"') == 1
    assert html.count('<use href="#icon-trophy">') == 3


def test_load_more_pages_through_a_column(client, rep, stages):
    _bulk_deals(stages[:1], [rep], CARDS_PER_COLUMN + 5)
    client.force_login(rep)
    board = client.get(reverse("web:board")).content.decode()
    assert "Load more" in board
    url = reverse("web:board_column_more", args=[stages[0].pipeline_id, stages[0].pk])
    response = client.get(url, {"offset": CARDS_PER_COLUMN})
    assert response.content.decode().count('class="card"') == 5
    assert len(response.context["cards"]) == 5 and response.context["has_more"] is False


def test_stale_cards_stand_out(client, rep, stages):
    stages[0].rotting_days = 7
    stages[0].save()
    stale = deal_create(actor=rep, title="Stale", stage=stages[0])
    Deal.objects.filter(pk=stale.pk).update(stage_entered_at=timezone.now() - timedelta(days=9))
    fresh = deal_create(actor=rep, title="Fresh", stage=stages[0])
    client.force_login(rep)
    cards = {c.pk: c for c in client.get(reverse("web:board")).context["columns"][0].cards}
    assert cards[stale.pk].is_rotting and cards[stale.pk].days_in_stage == 9
    assert not cards[fresh.pk].is_rotting
    html = client.get(reverse("web:board")).content.decode()
    assert "card--rotting" in html and "Stale:" in html


def _move(client, deal, stage, order=()):
    return client.post(
        reverse("web:deal_move", args=[deal.pk]),
        {"stage": stage.pk, "order": ",".join(str(pk) for pk in order)},
    )


def test_move_goes_through_the_service(client, rep, stages):
    deal = deal_create(actor=rep, title="Move me", stage=stages[0])
    client.force_login(rep)
    response = _move(client, deal, stages[1], [deal.pk])
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["columns"][str(stages[1].pk)] == {
        "count": 1,
        "total": "$0.00",
        "parts": "$0.00",
        "warning": "",
    }
    assert body["columns"][str(stages[0].pk)]["count"] == 0
    deal.refresh_from_db()
    assert deal.stage_id == stages[1].pk
    assert list(StageChange.objects.filter(deal=deal).values_list("stage_id", flat=True)) == [
        stages[0].pk,
        stages[1].pk,
    ]
    assert DomainEvent.objects.filter(kind="deal.stage_changed", subject_id=deal.pk).count() == 1


def test_a_closed_deal_refuses_to_move_with_the_reason(client, rep, stages):
    deal = deal_create(actor=rep, title="Closed", stage=stages[0])
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON, closed_at=timezone.now())
    client.force_login(rep)
    response = _move(client, deal, stages[1], [deal.pk])
    assert response.status_code == 400
    assert "closed" in response.json()["error"]
    deal.refresh_from_db()
    assert deal.stage_id == stages[0].pk


def test_moves_outside_scope_or_rights_are_refused(client, rep, other_rep, support_agent, stages):
    theirs = deal_create(actor=other_rep, title="Theirs", stage=stages[0])
    client.force_login(rep)
    assert _move(client, theirs, stages[1]).status_code == 404
    client.force_login(support_agent)
    assert _move(client, theirs, stages[1]).status_code == 403
    other_pipeline_stage = pipeline_with_stages(name="Other")[1][0]
    client.force_login(other_rep)
    response = _move(client, theirs, other_pipeline_stage)
    assert response.status_code == 400
    assert (
        client.post(reverse("web:deal_move", args=[theirs.pk]), {"stage": "x"}).status_code == 400
    )
    theirs.refresh_from_db()
    assert theirs.stage_id == stages[0].pk


def test_drop_order_is_kept_within_a_column(client, rep, stages):
    a, b, c = (deal_create(actor=rep, title=t, stage=stages[0]) for t in "abc")
    client.force_login(rep)
    shown = [card.pk for card in client.get(reverse("web:board")).context["columns"][0].cards]
    assert shown == [c.pk, b.pk, a.pk]  # newest first while positions tie
    assert _move(client, a, stages[0], [c.pk, a.pk, b.pk]).status_code == 200
    shown = [card.pk for card in client.get(reverse("web:board")).context["columns"][0].cards]
    assert shown == [c.pk, a.pk, b.pk]
    assert _move(client, c, stages[0], [a.pk, b.pk, c.pk]).status_code == 200
    shown = [card.pk for card in client.get(reverse("web:board")).context["columns"][0].cards]
    assert shown == [a.pk, b.pk, c.pk]


def test_won_from_the_board_removes_the_card_and_updates_the_column(client, rep, stages):
    contact = ContactFactory(owner=rep)
    deal = deal_create(
        actor=rep, title="Win", value=Decimal("500"), stage=stages[0], contact=contact
    )
    client.force_login(rep)
    response = client.post(
        reverse("web:deal_won", args=[deal.pk]), {"from": "board"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="col-head-{stages[0].pk}"' in html and "won" in html
    assert _open_count_line(response) == "0 open deals · yours"
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON and deal.purchases.get().amount == Decimal("500")
    again = client.post(
        reverse("web:deal_won", args=[deal.pk]), {"from": "board"}, HTTP_HX_REQUEST="true"
    )
    assert again.headers["HX-Reswap"] == "none"
    assert "already closed" in again.content.decode()


def _open_count_line(response) -> str:
    """The text of the out-of-band "N open deals" line an htmx answer carries."""
    html = response.content.decode()
    start = html.index('id="board-open-count" hx-swap-oob="true">') + len(
        'id="board-open-count" hx-swap-oob="true">'
    )
    return html[start : html.index("</p>", start)]


def test_lost_needs_a_reason(client, rep, stages):
    deal = deal_create(actor=rep, title="Lose", stage=stages[0])
    deal_create(actor=rep, title="Keep", stage=stages[1])
    client.force_login(rep)
    url = reverse("web:deal_lost", args=[deal.pk])
    response = client.post(url, {"from": "board", "reason": " "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN
    response = client.post(url, {"from": "board", "reason": "Price"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'hx-swap-oob="delete" id="deal-{deal.pk}"' in response.content.decode()
    assert response.headers["HX-Trigger"] == "goalpost:close-dialogs"
    # The page head's count follows: the rep's other open deal is all that is left.
    assert _open_count_line(response) == "1 open deal · yours"
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == (DealStatus.LOST, "Price")


def test_quick_add_drops_the_card_into_its_column(client, rep, stages):
    client.force_login(rep)
    url = reverse("web:board_quick_add", args=[stages[0].pipeline_id])
    bad = client.post(
        url, {"title": "", "value": "-5", "stage": stages[2].pk}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422
    assert Deal.objects.count() == 0
    response = client.post(
        url,
        {"title": "Quick <b>one</b>", "value": "900", "stage": stages[2].pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    deal = Deal.objects.get()
    assert (deal.stage_id, deal.owner_id, deal.value) == (stages[2].pk, rep.pk, Decimal("900"))
    html = response.content.decode()
    assert f'hx-swap-oob="afterbegin:#cards-{stages[2].pk}"' in html
    assert "Quick &lt;b&gt;one&lt;/b&gt;" in html and "<b>one</b>" not in html


def test_board_of_an_unknown_pipeline_is_404_and_no_pipeline_is_explained(client, rep):
    client.force_login(rep)
    assert client.get(reverse("web:board_pipeline", args=[999])).status_code == 404
    response = client.get(reverse("web:board"))
    assert response.status_code == 200 and "No pipeline yet" in response.content.decode()


def test_move_json_is_valid_even_for_missing_deal(client, rep, stages):
    client.force_login(rep)
    response = client.post(reverse("web:deal_move", args=[424242]), {"stage": stages[0].pk})
    assert response.status_code == 404
    assert json.loads(response.content)["ok"] is False
