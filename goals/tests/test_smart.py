from datetime import date, timedelta
from decimal import Decimal

from goals.smart import LETTERS, achievability_warnings, best_rate, check_smart

TODAY = date(2025, 3, 1)


def check(data, **kw):
    return check_smart(
        data,
        kpi_exists=lambda key: key in {"churn_rate", "cac"},
        kpi_supports=lambda key, scope: not (key == "cac" and scope == "rep"),
        scope_exists=lambda scope_type, scope_id: scope_id == 3,
        today=TODAY,
        **kw,
    )


def complete(**overrides):
    return {
        "title": "Cut churn",
        "plan": "Call renewals early.",
        "kpi": "churn_rate",
        "scope_type": "company",
        "scope_id": None,
        "baseline": Decimal("8"),
        "target": Decimal("6"),
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": TODAY,
        "deadline": TODAY + timedelta(days=90),
    } | overrides


def test_a_complete_goal_is_smart():
    assert check(complete()) == {}


def test_title_alone_fails_every_letter_but_names_what_is_missing():
    errors = check({"title": "Prevent churn"})

    assert set(errors) == set(LETTERS) - {"specific"} | {"specific"}
    assert errors["specific"] == ["Write the action plan: what you will do to get there."]
    assert "Choose the KPI that measures the goal." in errors["measurable"]
    assert "Set the target value of the KPI." in errors["measurable"]
    assert errors["time_bound"] == ["Set the start date.", "Set the deadline."]
    assert errors["relevant"][0].startswith("Say which objective the goal serves")
    assert errors["achievable"][0].startswith("Note the resources")


def test_measurable_rejects_unknown_kpi_unsupported_scope_and_flat_target():
    assert check(complete(kpi="happiness"))["measurable"] == [
        "“happiness” is not a KPI of the catalogue."
    ]
    assert (
        "is not measured per rep"
        in check(complete(kpi="cac", scope_type="rep", scope_id=3))["measurable"][0]
    )
    assert check(complete(scope_type="rep", scope_id=99))["measurable"] == [
        "Choose which rep the goal is about."
    ]
    assert check(complete(target=Decimal("8")))["measurable"] == [
        "The target must differ from the baseline."
    ]
    assert "enter the baseline yourself" in check(complete(baseline=None))["measurable"][0]


def test_time_bound_deadline_after_start_and_in_future_when_created():
    assert check(complete(deadline=TODAY))["time_bound"] == [
        "The deadline must come after the start date.",
        "The deadline must be in the future.",
    ]
    past = complete(start_date=TODAY - timedelta(days=60), deadline=TODAY - timedelta(days=1))
    assert check(past)["time_bound"] == ["The deadline must be in the future."]
    # an old goal being edited keeps its past deadline unless the deadline moves
    assert check(past, creating=False) == {}
    assert "time_bound" in check(past | {"deadline_changed": True}, creating=False)


def test_relevant_custom_objective_needs_text():
    assert check(complete(objective="custom"))["relevant"] == [
        "Describe the custom objective the goal serves."
    ]
    assert check(complete(objective="custom", custom_objective="Happier support team")) == {}


def test_best_rate_over_windows_of_four_weeks():
    history = [
        (TODAY + timedelta(days=d), Decimal(v)) for d, v in [(0, 10), (14, 9), (28, 8), (56, 7)]
    ]
    # 10 → 8 over 28 days is the best fall: 2/28 a day
    assert best_rate(history, direction="down") == 2 / 28
    assert best_rate(history, direction="up") == -1 / 28
    assert best_rate(history[:2], direction="down") is None


def test_achievability_warns_beyond_history_but_not_within_it():
    history = [(TODAY - timedelta(days=d), Decimal(8) + Decimal(d) / 100) for d in range(0, 120, 7)]
    # history falls ~0.01 a day (0.30 a month)
    modest = {"baseline": Decimal(8), "start_date": TODAY, "deadline": TODAY + timedelta(days=200)}
    assert achievability_warnings(target=Decimal("6.5"), history=history, **modest) == []
    warnings = achievability_warnings(target=Decimal(2), history=history, **modest)
    assert warnings == [
        "The goal needs 0.90 per month; the best seen in past snapshots is 0.30 per month. "
        "It is beyond anything in the history."
    ]
    assert achievability_warnings(target=Decimal(6), history=[], **modest) == []
