"""The dashboard computes every KPI, now and in the period before, in one statement
(metrics.kpis.together), and each card equals the KPI computed alone."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from crm.models import Deal
from crm.tests.factories import ContactFactory, PurchaseFactory
from metrics import registry
from metrics.dashboard import dashboard_cards
from metrics.kpis.base import aggregate
from metrics.kpis.together import ReadsDiffer, compute_together
from metrics.models import ExchangeRate
from metrics.scopes import Scope
from metrics.tests import drilldown_world
from metrics.tests.conftest import at
from metrics.tests.drilldown_world import JUNE

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The drill-down June (every KPI has rows), plus money in two other currencies: EUR
    with a rate, JPY without one (a missing rate every money card must list)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = drilldown_world.build()
        ExchangeRate.objects.create(
            currency="EUR", rate=Decimal("0.8"), valid_from=date(2025, 1, 1)
        )
        buyer = ContactFactory(owner=world.rep)
        for currency, day in (("EUR", "2025-06-10"), ("JPY", "2025-06-11"), ("JPY", "2025-05-20")):
            PurchaseFactory(
                contact=buyer,
                amount=Decimal("1000.00"),
                currency=currency,
                purchased_at=at(day),
                campaign=world.campaign,
            )
        yield world
        transaction.set_rollback(True)


@pytest.mark.parametrize("scope_name", ["company", "owner", "team", "pipeline", "campaign"])
def test_each_card_equals_its_kpi_computed_alone(world, scope_name):
    scope = world.scopes[scope_name]
    cards = dashboard_cards(JUNE, scope)
    assert [card.kpi.key for card in cards] == [
        kpi.key for kpi in registry.KPIS.values() if kpi.supports(scope.type)
    ]
    for card in cards:
        now = registry.compute(card.kpi.key, JUNE, scope)
        before = registry.compute(card.kpi.key, JUNE.previous(), scope)
        assert (card.value, card.previous) == (now.value, before.value), card.kpi.key
        assert card.missing_rates == now.extra.get("missing_rates", []), card.kpi.key
        if card.kpi.is_cohort:
            assert card.open_share == now.extra["open_share"], card.kpi.key


def test_money_cards_list_the_missing_rate_and_convert_the_rest(world):
    cards = {card.kpi.key: card for card in dashboard_cards(JUNE, Scope.company())}
    jpy = [{"currency": "JPY", "date": date(2025, 6, 11)}]
    assert cards["campaign_revenue"].missing_rates == jpy
    # The EUR purchase counts at 1000 / 0.8; the JPY ones are left out.
    alone = registry.compute("campaign_revenue", JUNE)
    assert alone.extra["missing_rates"] == jpy
    assert cards["campaign_revenue"].value == alone.value
    # The year's window of CLV sees both JPY days, by date.
    assert cards["clv"].missing_rates == [
        {"currency": "JPY", "date": date(2025, 5, 20)},
        {"currency": "JPY", "date": date(2025, 6, 11)},
    ]


def test_every_kpi_in_both_periods_is_one_statement(world, django_assert_num_queries):
    scope = Scope.company()
    kpis = list(registry.KPIS.values())
    calls = [
        lambda kpi=kpi, when=when: kpi.function(when, scope)
        for kpi in kpis
        for when in (JUNE, JUNE.previous())
    ]
    with django_assert_num_queries(1) as queries:
        results = compute_together(calls)
    assert queries.captured_queries[0]["sql"].startswith("SET LOCAL jit = off; SELECT * FROM")
    assert [r.value for r in results[::2]] == [registry.compute(k.key, JUNE).value for k in kpis]


@pytest.mark.parametrize("user", ["manager", "rep", "marketer", "admin_user"])
def test_dashboard_page_stays_within_12_queries(
    world, client, user, request, django_assert_max_num_queries
):
    """Session, user, the scope picker's choices, the sparklines and every KPI now and
    before: at most 12 queries, whatever the rows (test_query_counts: flat with rows)."""
    client.force_login(request.getfixturevalue(user))
    url = reverse("metrics:dashboard") + f"?period=custom&start={JUNE.start}&end={JUNE.end}"
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'class="kpi-card"') == sum(
        kpi.supports(response.context["scope"].type) for kpi in registry.KPIS.values()
    )


def test_a_kpi_whose_reads_depend_on_its_numbers_is_refused(world):
    """The collect pass answers 0; a function that then skips a read it makes on real
    numbers would be answered wrongly, so the replay refuses it instead."""

    def reads_more_when_there_are_rows():
        n = aggregate(Deal.objects.all(), n=Count("id"))["n"]
        if n:
            aggregate(Deal.objects.all(), won=Count("id"))
        return n

    assert compute_together([lambda: aggregate(Deal.objects.all(), n=Count("id"))["n"]]) == [
        Deal.objects.count()
    ]
    with pytest.raises(ReadsDiffer):
        compute_together([reads_more_when_there_are_rows])


def test_the_dashboard_falls_back_to_one_kpi_at_a_time_when_reads_differ(
    world, monkeypatch, caplog
):
    """A KPI whose reads came to depend on its numbers must not take the page down: the
    cards are computed one KPI at a time, with the same values, and the log says why."""

    def refuse(calls):
        raise ReadsDiffer("read 3 asks for ['n']")

    monkeypatch.setattr("metrics.dashboard.compute_together", refuse)
    scope = Scope.company()
    cards = dashboard_cards(JUNE, scope)

    assert [(card.kpi.key, card.value, card.previous) for card in cards] == [
        (
            kpi.key,
            registry.compute(kpi.key, JUNE, scope).value,
            registry.compute(kpi.key, JUNE.previous(), scope).value,
        )
        for kpi in registry.KPIS.values()
        if kpi.supports(scope.type)
    ]
    assert "computing the dashboard per KPI" in caplog.text
