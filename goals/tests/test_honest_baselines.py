"""Issue #12, goals: the baseline is the KPI computed live at the start date, projections
stay within the KPI's range, a status needs a minimum history, and a target that moves a
KPI the wrong way is refused."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.tests.factories import ContactFactory
from goals import kpi_source, progress, services
from goals.models import Goal, GoalStatus
from goals.tests.factories import GoalFactory, snapshot
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db

START = date(2025, 1, 1)
DEADLINE = date(2025, 7, 1)


def churn_goal(manager, **kw):
    data = {
        "title": "Cut churn",
        "plan": "Call every renewal a month ahead.",
        "kpi": "churn_rate",
        "target": Decimal("20"),
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": START,
        "deadline": DEADLINE,
    } | kw
    return services.goal_create(actor=manager, today=START, **data).goal


def _four_customers_one_lost_in_december():
    for _ in range(4):
        ContactFactory(customer_since=at("2024-01-01"))
    # The factory writes the customer spell, which churn reads.
    ContactFactory(customer_since=at("2024-01-01"), churned_at=at("2024-12-15"))


def test_baseline_is_the_kpi_live_at_the_start_not_an_old_snapshot(manager):
    """The demo's churn goal was met on day one: a snapshot 6 days old (2.99) stood in for
    the KPI at the start (1.53). Now the window ending at the start date is computed live."""
    _four_customers_one_lost_in_december()
    snapshot("churn_rate", START - timedelta(days=6), "40")  # stale: not the baseline

    goal = churn_goal(manager, target=Decimal("10"))

    # [2024-12-02, 2025-01-01): 5 customers at the start, 1 lost → 1 ÷ 5 = 20 %.
    assert kpi_source.baseline_at("churn_rate", "company", None, START) == Decimal("20")
    assert goal.baseline == Decimal("20")
    assert goal.direction == "down"
    assert goal.status != GoalStatus.ACHIEVED


def test_projection_is_bounded_by_the_kpis_range():
    # Churn falling 1 point a week from 4.37: the straight line reaches -4.63 at the
    # deadline six weeks after the last point; churn cannot go below 0.
    first = date(2025, 3, 1)
    points = [(first + timedelta(days=7 * i), Decimal("4.37") - i) for i in range(4)]
    deadline = first + timedelta(days=63)

    assert progress.project(points, at=deadline) == Decimal("-4.6300")
    assert progress.project(points, at=deadline, bounds=(0, 100)) == Decimal("0.0000")
    assert kpi_source.natural_range("churn_rate") == (Decimal(0), Decimal(100))
    assert kpi_source.natural_range("cac") == (Decimal(0), None)
    assert kpi_source.natural_range("leads") == (Decimal(0), None)
    assert kpi_source.natural_range("nps") == (Decimal(-100), Decimal(100))


def test_recompute_stores_the_bounded_projection(manager):
    first = date(2025, 3, 1)
    for i in range(4):
        snapshot("churn_rate", first + timedelta(days=7 * i), Decimal("4.37") - i)
    goal = GoalFactory(
        baseline=Decimal("5"),
        target=Decimal("2"),
        start_date=first,
        deadline=first + timedelta(days=63),
        owner=manager,
    )

    goal = services.goal_recompute(goal=goal, today=first + timedelta(days=21), notify=False)

    assert goal.projection == Decimal("0")
    assert goal.status == GoalStatus.ACHIEVED  # 1.37 ≤ 2 with 4 points over 21 days


def test_three_days_of_data_is_too_early_to_tell(manager, client):
    """The issue's churn goal with 3 days of data projected 9.42 and said "On track"."""
    first = date(2025, 3, 1)
    for i, value in enumerate(["8", "8.5", "9"]):
        snapshot("churn_rate", first + timedelta(days=i), value)
    goal = GoalFactory(
        baseline=Decimal("8"),
        target=Decimal("6"),
        start_date=first,
        deadline=first + timedelta(days=90),
        owner=manager,
    )

    goal = services.goal_recompute(goal=goal, today=first + timedelta(days=2), notify=False)

    assert (goal.status, goal.projection) == (GoalStatus.TOO_EARLY, None)
    assert goal.current_value == Decimal("9")
    assert goal.progress == -50.0  # (9 - 8) / (6 - 8) * 100, still shown
    with time_machine.travel(first + timedelta(days=2), tick=False):
        client.force_login(manager)
        page = client.get(reverse("goals:detail", args=[goal.pk])).content.decode()
        listing = client.get(reverse("goals:list")).content.decode()
    assert "Too early to tell" in page and "On track" not in page
    assert 'data-status="too_early"' in listing


def test_four_points_over_two_weeks_give_a_status():
    first = date(2025, 3, 1)
    days = [first, first + timedelta(days=5), first + timedelta(days=10)]
    short = [(day, Decimal("8")) for day in [*days, first + timedelta(days=13)]]
    enough = [(day, Decimal("8")) for day in [*days, first + timedelta(days=14)]]
    reading = {
        name: progress.evaluate(
            baseline=Decimal("8"),
            target=Decimal("6"),
            start_date=first,
            deadline=first + timedelta(days=90),
            series=series,
            today=series[-1][0],
        )
        for name, series in {"short": short, "enough": enough}.items()
    }
    assert reading["short"].status == "too_early"  # 4 points over 13 days
    # 4 points over 14 days: a status (no progress where 15.56 % is expected: at risk)
    assert reading["enough"].status == "at_risk"
    three = progress.evaluate(
        baseline=Decimal("8"),
        target=Decimal("6"),
        start_date=first,
        deadline=first + timedelta(days=90),
        series=enough[1:],
        today=enough[-1][0],
    )
    assert three.status == "too_early"  # 3 points


def test_after_the_deadline_the_outcome_is_read_whatever_the_history():
    day = date(2025, 3, 1)
    reading = progress.evaluate(
        baseline=Decimal("8"),
        target=Decimal("6"),
        start_date=day - timedelta(days=30),
        deadline=day,
        series=[(day, Decimal("7"))],
        today=day + timedelta(days=3),
    )
    assert reading.status == "missed"


@pytest.mark.parametrize(
    ("kpi", "baseline", "target", "message"),
    [
        (
            "churn_rate",
            "8",
            "10",
            "Churn rate is better when it goes down: a target of 10.0\u00a0%, above the baseline "
            "of 8.0\u00a0%, would make it worse. Set a target below 8.0\u00a0%.",
        ),
        (
            "win_rate",
            "30",
            "25.5",
            "Win rate is better when it goes up: a target of 25.5\u00a0%, below the baseline "
            "of 30.0\u00a0%, would make it worse. Set a target above 30.0\u00a0%.",
        ),
    ],
)
def test_a_target_that_moves_the_kpi_the_wrong_way_is_refused(
    manager, kpi, baseline, target, message
):
    with pytest.raises(ValidationError) as error:
        churn_goal(
            manager,
            kpi=kpi,
            baseline=Decimal(baseline),
            target=Decimal(target),
            objective="sell_more",
        )
    assert error.value.message_dict == {"target": [message]}
    assert not Goal.objects.exists()


def test_wrong_way_target_is_a_400_field_error_and_a_form_error(api_as, client, manager):
    payload = {
        "title": "Cut churn",
        "plan": "Call every renewal a month ahead.",
        "kpi": "churn_rate",
        "scope": {"type": "company"},
        "baseline": "8",
        "target": "10",
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": START.isoformat(),
        "deadline": DEADLINE.isoformat(),
    }
    with time_machine.travel(START, tick=False):
        response = api_as(manager).post("/api/goals/", payload, format="json")
        client.force_login(manager)
        form = client.post(
            reverse("goals:create"),
            payload | {"scope": "company", "start_date": "2025-01-01"},
        )

    assert response.status_code == 400
    assert response.json() == {
        "target": [
            "Churn rate is better when it goes down: a target of 10.0\u00a0%, above the baseline "
            "of 8.0\u00a0%, would make it worse. Set a target below 8.0\u00a0%."
        ]
    }
    html = form.content.decode()
    assert "is better when it goes down" in html
    assert not Goal.objects.exists()


def test_an_edit_that_turns_the_target_the_wrong_way_is_refused(manager):
    goal = GoalFactory(owner=manager, baseline=Decimal("8"), target=Decimal("6"))
    with pytest.raises(ValidationError) as error:
        services.goal_update(goal=goal, actor=manager, target=Decimal("9"))
    assert list(error.value.message_dict) == ["target"]
    goal.refresh_from_db()
    assert goal.target == Decimal("6")


def test_goal_page_of_a_cohort_kpi_shows_its_maturity(client, manager, rep):
    from crm.models import DealStatus
    from crm.tests.factories import DealFactory, pipeline_with_stages

    _, stages = pipeline_with_stages()
    day = date(2025, 6, 30)
    # The window of the snapshot dated the day before: [2025-05-31, 2025-06-30).
    for status in (DealStatus.OPEN, DealStatus.OPEN, DealStatus.WON, DealStatus.LOST):
        closed = None if status == DealStatus.OPEN else at("2025-06-25")
        DealFactory(
            stage=stages[0], owner=rep, created_at=at("2025-06-10"), status=status, closed_at=closed
        )
    goal = GoalFactory(
        kpi="close_rate", baseline=Decimal("20"), target=Decimal("40"), owner=manager
    )
    client.force_login(manager)

    with time_machine.travel(day, tick=False):
        html = client.get(reverse("goals:detail", args=[goal.pk])).content.decode()

    # 2 of 4 deals created in the window are still open: 50.0 %.
    assert '<bdi dir="ltr">50.0\u00a0%</bdi> still open' in html


def test_goal_page_of_a_money_kpi_names_the_currency_it_left_out(client, manager, settings):
    from crm.services.revenue import purchase_record

    settings.GOALPOST_REPORTING_CURRENCY = "USD"
    buyer = ContactFactory()
    for amount, currency, day in (("100.00", "USD", "2025-06-10"), ("5000", "JPY", "2025-06-12")):
        purchase_record(
            actor=manager,
            contact=buyer,
            amount=Decimal(amount),
            currency=currency,
            purchased_at=at(day),
        )
    goal = GoalFactory(
        kpi="new_revenue", baseline=Decimal("0"), target=Decimal("1000"), owner=manager
    )
    client.force_login(manager)

    with time_machine.travel(date(2025, 6, 30), tick=False):
        page = client.get(reverse("goals:detail", args=[goal.pk]))
        api = client.get(f"/api/goals/{goal.pk}/").json()

    assert page.context["missing_rates"] == [{"currency": "JPY", "date": date(2025, 6, 12)}]
    assert (api["currency"], api["missing_rates"]) == (
        "USD",
        [{"currency": "JPY", "date": "2025-06-12"}],
    )
    html = page.content.decode()
    assert "Left out of these totals, no exchange rate:" in html
    assert '<span dir="ltr">JPY 06/12/2025</span>' in html


def test_goal_api_names_the_currency_of_a_money_kpi(manager, api_as, settings):
    settings.GOALPOST_REPORTING_CURRENCY = "EUR"
    revenue = GoalFactory(kpi="new_revenue", baseline=Decimal("0"), target=Decimal("10"))
    churn = GoalFactory(kpi="churn_rate", baseline=Decimal("5"), target=Decimal("3"))

    client = api_as(manager)

    assert client.get(f"/api/goals/{revenue.pk}/").data["currency"] == "EUR"
    assert client.get(f"/api/goals/{churn.pk}/").data["currency"] is None


def test_goal_page_and_api_project_from_the_same_history(client, manager, api_as):
    today = date(2025, 6, 30)
    goal = GoalFactory(
        kpi="churn_rate",
        baseline=Decimal("8"),
        target=Decimal("6"),
        start_date=today - timedelta(days=10),
        deadline=today + timedelta(days=60),
        owner=manager,
    )
    # Falling fast until 40 days before the start, flat since: a fit on the last 30 days
    # before the start alone would read flat; the 90-day fit of the API reads falling.
    for back in range(85, 0, -5):
        day = today - timedelta(days=back)
        value = 8 if back <= 50 else 8 + (back - 50) / 5
        snapshot("churn_rate", day, value)
    client.force_login(manager)

    with time_machine.travel(today, tick=False):
        page = client.get(reverse("goals:detail", args=[goal.pk])).context["reading"]
        api = api_as(manager).get(f"/api/goals/{goal.pk}/").data

    assert page.projection is not None
    assert f"{page.projection:f}" == api["projection"]
    assert page.status == api["status"]


@pytest.mark.parametrize(
    ("kpi", "baseline", "target", "message"),
    [
        (
            "churn_rate",
            "8",
            "-5",
            "Churn rate cannot go below 0.0\u00a0%: a target of -5.0\u00a0% is out of reach.",
        ),
        (
            "win_rate",
            "40",
            "150",
            "Win rate cannot go above 100.0\u00a0%: a target of 150.0\u00a0% is out of reach.",
        ),
    ],
)
def test_a_target_the_kpi_cannot_take_is_a_400_and_a_form_error(
    kpi, baseline, target, message, api_as, client, manager
):
    payload = {
        "title": "Impossible",
        "plan": "Call every renewal a month ahead.",
        "kpi": kpi,
        "scope": {"type": "company"},
        "baseline": baseline,
        "target": target,
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": START.isoformat(),
        "deadline": DEADLINE.isoformat(),
    }
    with time_machine.travel(START, tick=False):
        response = api_as(manager).post("/api/goals/", payload, format="json")
        client.force_login(manager)
        form = client.post(reverse("goals:create"), payload | {"scope": "company"})

    assert response.status_code == 400
    assert response.json() == {"target": [message]}
    assert message in form.content.decode()
    assert not Goal.objects.exists()
