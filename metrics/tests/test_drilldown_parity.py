"""Every KPI opens to the records behind its number, and they add up to it exactly.

Parametrized over the registry: a KPI added without `records` fails here, and so does a
drill-down whose filter drifts from the aggregate's, in any scope the KPI supports.
"""

from decimal import Decimal

import pytest
from django.db import transaction

from metrics import registry
from metrics.currency import reporting_currency
from metrics.kpis.base import AVERAGED, DENOMINATOR, NUMERATOR, money, rounded
from metrics.tests import drilldown_world
from metrics.tests.drilldown_world import JUNE


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, rolled back at its end (each test nests inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield drilldown_world.build()
        transaction.set_rollback(True)


def _amounts(rows) -> Decimal:
    """What the listed rows add up to: their amounts (all in the reporting currency here),
    or each row's share of it falling in the period."""
    total = Decimal(0)
    for obj in rows.queryset:
        if rows.share:
            total += rows.share(obj)
        else:
            assert getattr(obj, rows.currency) == reporting_currency()
            total += getattr(obj, rows.amount)
    return money(total)


def _durations(rows) -> Decimal:
    later, earlier = rows.duration
    seconds = sum(
        (getattr(obj, later) - getattr(obj, earlier)).total_seconds() for obj in rows.queryset
    )
    return rounded(Decimal(str(seconds)) / rows.per)


def _figure(result, role: str, parts) -> Decimal | int:
    """What the role's parts add up to, in the kind of figure the result has for it."""
    if role in result.money:
        return money(sum((_amounts(rows) for rows in parts), Decimal(0)))
    return sum(rows.sign * rows.queryset.count() for rows in parts)


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(registry.KPIS))
def test_every_kpi_lists_the_records_its_number_counts(key, world):
    kpi = registry.KPIS[key]
    assert kpi.records is not None, f"{key} has no drill-down (Kpi.records)"
    checked = 0
    for scope_type, scope in world.scopes.items():
        if not kpi.supports(scope_type):
            continue
        result = kpi.function(JUNE, scope)
        parts = kpi.records(JUNE, scope)
        by_role = {
            role: [rows for rows in parts if rows.role == role]
            for role in (NUMERATOR, DENOMINATOR, AVERAGED)
        }
        assert by_role[NUMERATOR] or by_role[AVERAGED], key
        if by_role[AVERAGED]:
            (averaged,) = by_role[AVERAGED]
            assert averaged.queryset.count() == result.denominator, (key, scope_type)
            assert _durations(averaged) == result.numerator, (key, scope_type)
        if by_role[NUMERATOR]:
            figure = _figure(result, "numerator", by_role[NUMERATOR])
            assert figure == result.numerator, (key, scope_type)
            if key == "open_deals":
                assert _amounts(by_role[NUMERATOR][0]) == result.extra["amount"]
        if by_role[DENOMINATOR]:
            figure = _figure(result, "denominator", by_role[DENOMINATOR])
            assert figure == result.denominator, (key, scope_type)
        if scope_type == "company":
            # The world gives every KPI something to count company-wide.
            assert any(rows.queryset.exists() for rows in parts), key
        checked += 1
    assert checked


@pytest.mark.django_db
def test_the_world_gives_every_kpi_a_value(world):
    """A parity test over empty lists would prove nothing: every KPI has a value in June."""
    undefined = [key for key in registry.KPIS if registry.compute(key, JUNE).value in (None, 0)]
    assert undefined == []
