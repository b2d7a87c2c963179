from datetime import date, timedelta
from decimal import Decimal

from goals.smart import (
    achievability_warnings,
    best_rate,
    check_smart,
    objective_default,
    smart_warnings,
)

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


def test_title_alone_fails_only_measurable_and_time_bound():
    # PRODUCT.md §3: "Prevent churn" alone fails Measurable and Time-bound.
    # (The services default the scope to the company, as they do before checking.)
    errors = check({"title": "Prevent churn", "scope_type": "company"})

    assert errors == {
        "measurable": [
            "Choose the KPI that measures the goal.",
            "Set the target value of the KPI.",
        ],
        "time_bound": ["Set the start date.", "Set the deadline."],
    }


def test_achievable_warns_about_missing_resources_and_plan_without_blocking():
    assert smart_warnings({"title": "Prevent churn"}) == {
        "achievable": [
            "Note the resources (people, budget, tools, time) that make the goal reachable.",
            "Write the action plan: what you will do to get there.",
        ]
    }
    assert smart_warnings(complete()) == {}
    assert check(complete(resources="", plan="")) == {}


def test_specific_and_relevant_need_a_title_or_a_named_objective():
    assert check(complete(title="", objective="")) == {
        "specific": ["Give the goal a title that says what will change."],
        "relevant": [
            "Say which objective the goal serves: retention, a shorter sales cycle, "
            "selling more, a lower CAC, or a custom one."
        ],
    }
    assert check(complete(objective="")) == {}
    assert check(complete(objective="world_peace"))["relevant"][0].startswith("Say which")


def test_objective_default_follows_the_kpi_or_the_title():
    assert objective_default({"title": "Cut churn", "kpi": "churn_rate"}) == ("retention", "")
    assert objective_default({"title": "More leads", "kpi": "leads"}) == ("custom", "More leads")


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
    # In the KPI's unit: churn is a percent KPI, its monthly change percentage points.
    assert achievability_warnings(target=Decimal(2), history=history, unit="percent", **modest) == [
        "The goal needs 0.9\u00a0pp per month; the best seen in past snapshots is 0.3\u00a0pp "
        "per month. It is beyond anything in the history."
    ]
    assert achievability_warnings(target=Decimal(6), history=[], **modest) == []
