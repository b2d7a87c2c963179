"""Quota attainment: one definition for rep, team and company (metrics.kpis.quotas).

Every figure below is computed by hand in the comment beside it.
"""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import DealStatus
from crm.tests.factories import DealFactory, TeamFactory
from goals import selectors
from goals.models import Quota
from metrics import registry
from metrics.kpis.quotas import attainment_by_owner
from metrics.models import ExchangeRate
from metrics.reports import sales_performance
from metrics.scopes import Period, Scope
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db

JUNE_START, JULY_START = date(2025, 6, 1), date(2025, 7, 1)


def quota(amount, *, owner=None, team=None, start=JUNE_START, end=JULY_START):
    return Quota.objects.create(
        owner=owner, team=team, period="month", start=start, end=end, amount=Decimal(amount)
    )


def win(owner, value, day="2025-06-10"):
    return DealFactory(
        owner=owner,
        status=DealStatus.WON,
        value=Decimal(value),
        created_at=at("2025-06-01"),
        closed_at=at(day),
    )


def attainment(period, scope=None):
    result = registry.compute("quota_attainment", period, scope or Scope.company())
    return result.value, result.numerator, result.denominator


def test_rep_quota_inside_a_team_quota_owner_300_team_150_company_150(rep, june):
    team = TeamFactory()
    rep.team = team
    rep.save()
    quota("1000.00", owner=rep)
    quota("2000.00", team=team)
    win(rep, "3000.00")

    # Rep: 3000 ÷ 1000 = 300 %. Team: its own quota applies, 3000 ÷ 2000 = 150 %.
    # Company: the team quota is the top-level one covering the rep, 3000 ÷ 2000 = 150 %.
    assert attainment(june, Scope.owner(rep)) == (
        Decimal("300"),
        Decimal("3000.00"),
        Decimal("1000.00"),
    )
    assert attainment(june, Scope.team(team)) == (
        Decimal("150"),
        Decimal("3000.00"),
        Decimal("2000.00"),
    )
    assert attainment(june) == (Decimal("150"), Decimal("3000.00"), Decimal("2000.00"))


def test_company_ignores_wins_of_users_without_a_quota(rep, other_rep, manager, june):
    quota("1000.00", owner=rep)
    quota("1000.00", owner=other_rep)
    win(rep, "1270.00")
    win(other_rep, "1270.00")
    win(manager, "340.00")  # no quota of their own, no team

    # (1270 + 1270) ÷ (1000 + 1000) = 127 %, not (1270 + 1270 + 340) ÷ 2000 = 144 %.
    assert attainment(june) == (Decimal("127"), Decimal("2540.00"), Decimal("2000.00"))


def test_team_without_a_quota_sums_its_members_quotas(rep, other_rep, make_user, june):
    team = TeamFactory()
    carrier_less = make_user("rep", username="rep3")
    for member in (rep, other_rep, carrier_less):
        member.team = team
        member.save()
    quota("1000.00", owner=rep)
    quota("3000.00", owner=other_rep)
    win(rep, "500.00")
    win(other_rep, "1500.00")
    win(carrier_less, "800.00")  # a member without a quota

    # (500 + 1500) ÷ (1000 + 3000) = 50 %; the member without a quota does not count.
    assert attainment(june, Scope.team(team)) == (
        Decimal("50"),
        Decimal("2000.00"),
        Decimal("4000.00"),
    )
    assert attainment(june) == (Decimal("50"), Decimal("2000.00"), Decimal("4000.00"))


def test_team_quota_counts_every_member_and_replaces_their_own(rep, make_user, june):
    team = TeamFactory()
    no_quota = make_user("rep", username="rep3")
    for member in (rep, no_quota):
        member.team = team
        member.save()
    quota("1000.00", owner=rep)
    quota("4000.00", team=team)
    win(rep, "1000.00")
    win(no_quota, "1000.00")

    # The team quota covers both members: (1000 + 1000) ÷ 4000 = 50 %; the rep's own
    # 1000 gives way to it in the team and company figures, not in the rep's own.
    assert attainment(june, Scope.team(team)) == (
        Decimal("50"),
        Decimal("2000.00"),
        Decimal("4000.00"),
    )
    assert attainment(june) == (Decimal("50"), Decimal("2000.00"), Decimal("4000.00"))
    assert attainment(june, Scope.owner(rep))[0] == Decimal("100")


def test_a_win_counts_only_while_a_quota_covers_its_owner(rep, june):
    quota("3000.00", owner=rep)  # June only
    win(rep, "900.00", day="2025-06-20")
    win(rep, "600.00", day="2025-07-05")  # July: no quota runs

    # 16 June to 15 July: half of June's 30 days → 1500 of quota; only the June win counts.
    window = Period(date(2025, 6, 16), date(2025, 7, 16))
    assert attainment(window, Scope.owner(rep)) == (
        Decimal("60"),
        Decimal("900.00"),
        Decimal("1500.00"),
    )


def test_quotas_page_report_and_kpi_give_the_same_figures(rep, other_rep, manager, june):
    team = TeamFactory()
    rep.team = team
    rep.save()
    mine = quota("1000.00", owner=rep)
    ours = quota("2000.00", team=team)
    theirs = quota("1000.00", owner=other_rep)
    win(rep, "3000.00")
    win(other_rep, "1270.00")
    win(manager, "340.00")

    rows = {
        a.quota.pk: (a.won_value, a.percent)
        for a in map(selectors.attainment_of, selectors.with_attainment(Quota.objects.all()))
    }

    assert rows == {
        mine.pk: (Decimal("3000.00"), Decimal("300.0000")),
        ours.pk: (Decimal("3000.00"), Decimal("150.0000")),
        theirs.pk: (Decimal("1270.00"), Decimal("127.0000")),
    }
    assert (rows[mine.pk][1], rows[ours.pk][1]) == (
        attainment(june, Scope.owner(rep))[0],
        attainment(june, Scope.team(team))[0],
    )
    by_owner = attainment_by_owner(june)
    assert {owner: r.value for owner, r in by_owner.items()} == {
        rep.pk: Decimal("300"),
        other_rep.pk: Decimal("127"),
    }
    report = {
        row["owner"]: (row["quota"], row["quota_attainment"]) for row in sales_performance(june)
    }
    assert report[rep.pk] == (Decimal("1000.00"), Decimal("300"))
    assert report[other_rep.pk] == (Decimal("1000.00"), Decimal("127"))
    # Company: team quota 2000 (covers the rep) + other_rep's 1000; the manager's 340 not.
    # (3000 + 1270) ÷ 3000 = 142.3333 %.
    assert attainment(june) == (Decimal("142.3333"), Decimal("4270.00"), Decimal("3000.00"))


def test_wins_in_other_currencies_count_at_their_close_day_rate(rep, june):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.9"), valid_from=date(2018, 1, 1))
    quota("2000.00", owner=rep)
    win(rep, "1000.00")
    eur = win(rep, "900.00")
    eur.currency = "EUR"
    eur.save(update_fields=["currency"])
    jpy = win(rep, "5000.00")
    jpy.currency = "JPY"
    jpy.save(update_fields=["currency"])

    # 1000 USD + 900 EUR ÷ 0.9 = 2000 USD of 2000: 100 %; the JPY win has no rate.
    result = registry.compute("quota_attainment", june, Scope.owner(rep))
    assert (result.value, result.numerator) == (Decimal("100"), Decimal("2000.00"))
    assert result.currency == "USD"
    assert [m["currency"] for m in result.extra["missing_rates"]] == ["JPY"]
    assert attainment_by_owner(june)[rep.pk].numerator == Decimal("2000.00")
