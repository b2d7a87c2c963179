"""registry.compute runs each KPI's SQL compiled once per process and scope type
(metrics.kpis.statements): a cached statement gives what a cold compute gives, for every
KPI, period, scope and id, and never outlives the settings, time zone or database it was
compiled for."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from crm.models import Referral
from crm.tests.factories import (
    CampaignFactory,
    ContactFactory,
    PurchaseFactory,
    TeamFactory,
    pipeline_with_stages,
)
from metrics import registry
from metrics.kpis import statements
from metrics.kpis.base import aggregate, count, row_count
from metrics.models import ExchangeRate
from metrics.scopes import Period, Scope
from metrics.tests import drilldown_world
from metrics.tests.conftest import at
from metrics.tests.drilldown_world import JUNE

pytestmark = pytest.mark.django_db

MAY = Period(date(2025, 5, 1), date(2025, 6, 1))
# Another length and another first day: the slots must follow the period, not its shape.
MID_JUNE = Period(date(2025, 6, 15), date(2025, 7, 20))
PERIODS = [JUNE, MAY, MID_JUNE]
CACHED = [key for key in registry.KPIS if key not in statements.LIVE_ONLY]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The drill-down June (every KPI has rows in each scope), a second team (rep2's), and
    money in EUR (with a rate) and JPY (without)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = drilldown_world.build(prefix="st")
        world.team2 = TeamFactory(name="st team 2")
        world.rep2.team = world.team2
        world.rep2.save(update_fields=["team"])
        world.empty_pipeline = pipeline_with_stages(name="st empty")[0]
        world.empty_campaign = CampaignFactory(name="st empty")
        ExchangeRate.objects.create(
            currency="EUR", rate=Decimal("0.8"), valid_from=date(2025, 1, 1)
        )
        buyer = ContactFactory(owner=world.rep)
        for currency, day in (("EUR", "2025-06-10"), ("JPY", "2025-06-11")):
            PurchaseFactory(
                contact=buyer,
                amount=Decimal("1000.00"),
                currency=currency,
                purchased_at=at(day),
                campaign=world.campaign,
            )
        yield world
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def cold_cache():
    statements.clear()
    yield
    statements.clear()


def scopes_of(world, kpi) -> list[Scope]:
    """Two ids of each scope type the KPI supports (one id for company)."""
    others = {
        "owner": [Scope.owner(world.rep), Scope.owner(world.rep2)],
        "team": [Scope.team(world.team), Scope.team(world.team2)],
        "pipeline": [Scope.pipeline(world.pipeline), Scope.pipeline(world.empty_pipeline)],
        "campaign": [Scope.campaign(world.campaign), Scope.campaign(world.empty_campaign)],
    }
    scopes = [Scope.company()]
    for scope_type, scopes_of_type in others.items():
        if kpi.supports(scope_type):
            scopes.extend(scopes_of_type)
    return scopes


@pytest.mark.parametrize("key", CACHED)
def test_a_cached_statement_gives_what_a_cold_compute_gives(world, key):
    """Given the statement cached by the first compute of each scope type, when the KPI is
    computed for other periods and ids, then each result equals the KPI function run
    directly (uncached), and each shape was served from a template."""
    kpi = registry.get(key)
    results = []
    for scope in scopes_of(world, kpi):
        for period in PERIODS:
            cached = registry.compute(key, period, scope)
            assert cached == kpi.function(period, scope), (key, scope, period)
            results.append(cached.value)
        assert statements.is_cached(key, scope), (key, scope)
    # The calls differ in their numbers, so a statement stuck on its first period or id
    # would fail the comparison above.
    assert len({str(value) for value in results}) > 1, (key, results)


def test_nps_by_hand_from_cached_statements(world):
    """NPS in June: promoters score 9-10 (or 4-5 of 5), detractors 0-6 (1-2 of 5).
    Company: 10, 3, 8, 5/5 → 2 promoters, 1 detractor of 4 = 25 %. The rep: 10, 8, 5/5 →
    66.6667 %. rep2: 3 → -100 %. May: no responses."""
    company = registry.compute("nps", JUNE)
    rep = registry.compute("nps", JUNE, Scope.owner(world.rep))
    rep2 = registry.compute("nps", JUNE, Scope.owner(world.rep2))
    may = registry.compute("nps", MAY)
    assert (company.value, company.numerator, company.denominator) == (Decimal("25.0000"), 1, 4)
    assert (rep.value, rep.numerator, rep.denominator) == (Decimal("66.6667"), 2, 3)
    assert (rep2.value, rep2.numerator, rep2.denominator) == (Decimal("-100.0000"), -1, 1)
    assert (may.value, may.numerator, may.denominator) == (None, 0, 0)
    assert rep2.extra == {"promoters": 0, "detractors": 1}


def test_a_hit_runs_one_statement_and_compiles_nothing(world, django_assert_num_queries):
    """Referrals in June: one (its referrer is the rep's customer); in May none."""
    assert registry.compute("referrals", JUNE).value == 1
    assert registry.compute("referrals", MAY, Scope.owner(world.rep2)).value == 0
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled")):
        with django_assert_num_queries(1):
            assert registry.compute("referrals", MAY).value == 0
        with django_assert_num_queries(1):
            assert registry.compute("referrals", JUNE, Scope.owner(world.rep)).value == 1
        with django_assert_num_queries(1):
            assert registry.compute("referrals", JUNE, Scope.owner(world.rep2)).value == 0


def test_cac_reads_spend_and_new_customers_in_one_statement(world, django_assert_num_queries):
    """June's spend 900 + 300 over one new customer (Nora, first spell 2025-06-02)."""
    with django_assert_num_queries(2):
        cold = registry.compute("cac", JUNE)
    with django_assert_num_queries(1):
        hit = registry.compute("cac", JUNE)
    assert cold == hit
    assert (hit.value, hit.numerator, hit.denominator) == (
        Decimal("1200.00"),
        Decimal("1200.00"),
        1,
    )


def test_the_reporting_currency_is_part_of_the_key(world, settings):
    """Campaign revenue in June: 100 USD + 1000 EUR at 0.8 per USD (1250 USD); JPY has no
    rate. In EUR: 100 USD has no USD rate (missing), 1000 EUR counts as it is."""
    in_usd = registry.compute("campaign_revenue", JUNE)
    settings.GOALPOST_REPORTING_CURRENCY = "EUR"
    in_eur = registry.compute("campaign_revenue", JUNE)
    function = registry.get("campaign_revenue").function
    assert in_eur == function(JUNE, Scope.company())
    assert (in_usd.value, in_usd.currency) == (Decimal("1350.00"), "USD")
    assert (in_eur.value, in_eur.currency) == (Decimal("1000.00"), "EUR")
    settings.GOALPOST_REPORTING_CURRENCY = "USD"
    assert registry.compute("campaign_revenue", JUNE) == in_usd


def test_the_active_time_zone_is_part_of_the_key(world):
    """Money converts at the rate of each amount's day in the active time zone: a statement
    compiled under UTC must not serve a request in Tokyo."""
    function = registry.get("open_deals").function
    registry.compute("open_deals", JUNE)
    with timezone.override("Asia/Tokyo"):
        assert registry.compute("open_deals", JUNE) == function(JUNE, Scope.company())
        assert statements.is_cached("open_deals", Scope.company())
    assert len(statements._cache) == 2


def test_another_database_gets_its_own_statement(world):
    """A template is checked against the database (alias, name, host, port) it was made
    on: another one (a tenant's) compiles its own."""
    registry.compute("win_rate", JUNE)
    (entries,) = statements._cache.values()
    assert len(entries) == 1
    name = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = f"{name}_other_tenant"
    try:
        registry.compute("win_rate", JUNE)
    finally:
        connection.settings_dict["NAME"] = name
    assert len(entries) == 2
    registry.compute("win_rate", JUNE)
    assert len(entries) == 2


def test_a_builder_that_reads_rows_is_not_cached(world):
    """A queryset built from rows read while building would bake those rows into the
    statement: such a KPI runs uncached, and sees a row added later."""

    def referrals_by_id(period, scope):
        ids = list(Referral.objects.values_list("pk", flat=True))
        return count(row_count(Referral.objects.filter(pk__in=ids, referred_on__gte=period.start)))

    assert statements.compute("by_id", referrals_by_id, JUNE, Scope.company()).value == 1
    assert not statements.is_cached("by_id", Scope.company())
    Referral.objects.create(
        referrer=ContactFactory(), referred=ContactFactory(), referred_on=date(2025, 6, 9)
    )
    assert statements.compute("by_id", referrals_by_id, JUNE, Scope.company()).value == 2


def test_a_hit_whose_reads_differ_computes_cold(world):
    """A KPI whose reads change between calls (they must not; if one did) is computed
    cold again rather than answered with another read's numbers."""
    names = ["n"]

    def changing(period, scope):
        totals = aggregate(
            lambda: Referral.objects.filter(referred_on__gte=period.start),
            **{name: Count("id") for name in names},
        )
        return count(totals[names[0]])

    assert statements.compute("changing", changing, JUNE, Scope.company()).value == 1
    names[:] = ["m"]
    assert statements.compute("changing", changing, MAY, Scope.company()).value == 1
    assert statements.is_cached("changing", Scope.company())


def test_every_setting_the_kpis_read_is_in_the_key():
    metrics = Path(statements.__file__).resolve().parents[1]
    sources = [*(metrics / "kpis").glob("*.py"), metrics / "currency.py", metrics / "scopes.py"]
    read = set()
    for source in sources:
        text = source.read_text()
        read |= set(re.findall(r"settings\.([A-Z_]+)", text))
        read |= set(re.findall(r"getattr\(settings, \"([A-Z_]+)\"", text))
    assert read <= set(statements.SETTINGS), read - set(statements.SETTINGS)
