"""SMART validation: a goal is saved only when all five letters hold.

`check_smart` returns, per missing letter, the sentences saying what is missing; the API
returns them under the letter keys (`specific`, `measurable`, `achievable`, `relevant`,
`time_bound`) and the form shows them in the fieldset of that letter.

Achievable warns and never blocks (PRODUCT.md §3): `smart_warnings` asks for the
resources and the action plan, `achievability_warnings` compares the rate of improvement
a goal requires with the best rate seen in the KPI's past snapshots.
"""

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Objective, ScopeType
from goals.periods import in_supported_range
from goals.templates_catalog import TEMPLATES
from goals.units import goal_change

LETTERS = ("specific", "measurable", "achievable", "relevant", "time_bound")
# Rates are compared over windows at least this long, so one noisy day is not "history".
RATE_WINDOW_DAYS = 28


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_smart(
    data: dict,
    *,
    kpi_exists: Callable[[str], bool],
    kpi_supports: Callable[[str, str], bool],
    scope_exists: Callable[[str, int | None], bool],
    creating: bool = True,
    today: date | None = None,
) -> dict[str, list[str]]:
    """Errors keyed by SMART letter; an empty dict means the goal is SMART.

    `data` holds model values (baseline already filled from the KPI when it could be).
    On update the deadline must still follow the start, and be in the future only if it
    is being moved (`creating=False` with a "deadline_changed" key in `data`).
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    # Specific: the title says what will change ("Prevent churn" is specific enough);
    # the action plan is asked for under Achievable, as a warning (see smart_warnings).
    if _blank(data.get("title")):
        errors["specific"] = [_("Give the goal a title that says what will change.")]

    measurable = []
    kpi = data.get("kpi")
    kpi_ok = False
    if _blank(kpi):
        measurable.append(_("Choose the KPI that measures the goal."))
    elif not kpi_exists(str(kpi)):
        measurable.append(_("“%(kpi)s” is not a KPI of the catalogue.") % {"kpi": kpi})
    else:
        kpi_ok = True
    scope_type, scope_id = data.get("scope_type"), data.get("scope_id")
    scope_ok = False
    if scope_type not in ScopeType.values:
        measurable.append(
            _("Choose a scope: the company, a team, a rep, a pipeline or a campaign.")
        )
    elif scope_type != ScopeType.COMPANY and not scope_exists(scope_type, scope_id):
        measurable.append(_("Choose which %(scope)s the goal is about.") % {"scope": scope_type})
    elif kpi_ok and not kpi_supports(str(kpi), scope_type):
        measurable.append(
            _("“%(kpi)s” is not measured per %(scope)s; choose another KPI or scope.")
            % {"kpi": kpi, "scope": scope_type}
        )
    else:
        scope_ok = True
    target, baseline = data.get("target"), data.get("baseline")
    if target is None:
        measurable.append(_("Set the target value of the KPI."))
    if baseline is None and kpi_ok and scope_ok:
        measurable.append(
            _("The KPI has no value at the start date yet: enter the baseline yourself.")
        )
    if target is not None and baseline is not None and target == baseline:
        measurable.append(_("The target must differ from the baseline."))
    if measurable:
        errors["measurable"] = measurable

    # Relevant: a headline objective or a custom one. None chosen: the goal serves what
    # its title says (saved as a custom objective, see objective_default), so only a goal
    # without a title leaves the objective unsaid.
    objective = data.get("objective")
    unsaid = _blank(data.get("title")) if _blank(objective) else objective not in Objective.values
    if unsaid:
        errors["relevant"] = [
            _(
                "Say which objective the goal serves: retention, a shorter sales cycle, "
                "selling more, a lower CAC, or a custom one."
            )
        ]
    elif objective == Objective.CUSTOM and _blank(data.get("custom_objective")):
        errors["relevant"] = [_("Describe the custom objective the goal serves.")]

    time_bound = []
    start, deadline = data.get("start_date"), data.get("deadline")
    if start is None:
        time_bound.append(_("Set the start date."))
    if deadline is None:
        time_bound.append(_("Set the deadline."))
    if any(day is not None and not in_supported_range(day) for day in (start, deadline)):
        time_bound.append(_("Pick dates between the years 1900 and 2999."))
    elif start is not None and deadline is not None and deadline <= start:
        time_bound.append(_("The deadline must come after the start date."))
    if deadline is not None and (creating or data.get("deadline_changed")) and deadline <= today:
        time_bound.append(_("The deadline must be in the future."))
    if time_bound:
        errors["time_bound"] = time_bound
    return errors


def smart_warnings(data: dict) -> dict[str, list[str]]:
    """What the form warns about without blocking, keyed by letter (only Achievable):
    the resources and the action plan behind the goal."""
    achievable = []
    if _blank(data.get("resources")):
        achievable.append(
            _("Note the resources (people, budget, tools, time) that make the goal reachable.")
        )
    if _blank(data.get("plan")):
        achievable.append(_("Write the action plan: what you will do to get there."))
    return {"achievable": achievable} if achievable else {}


def objective_default(data: dict) -> tuple[str, str]:
    """(objective, custom_objective) for a goal that names none: the headline objective of
    its KPI when the KPI is one of the four headline goals' (churn → retention), else a
    custom objective worded by the goal's title."""
    by_kpi = {template.kpi: template.objective for template in TEMPLATES}
    kpi = data.get("kpi")
    if kpi in by_kpi:
        return by_kpi[kpi], ""
    return Objective.CUSTOM, (data.get("title") or "").strip()[:200]


def best_rate(history: Sequence[tuple[date, Decimal]], *, direction: str) -> float | None:
    """Best improvement per day seen over any window of at least RATE_WINDOW_DAYS.

    Two pointers over the (bounded, date-ordered) snapshot list: for each point, the most
    recent earlier point at least a window away. None when history is shorter than that.
    """
    history = sorted(history, key=lambda point: point[0])
    sign = 1.0 if direction == "up" else -1.0
    best = None
    left = -1
    for right, (day, value) in enumerate(history):
        while left + 1 < right and (day - history[left + 1][0]).days >= RATE_WINDOW_DAYS:
            left += 1
        if left < 0 or (day - history[left][0]).days < RATE_WINDOW_DAYS:
            continue
        earlier_day, earlier = history[left]
        rate = sign * float(value - earlier) / (day - earlier_day).days
        best = rate if best is None else max(best, rate)
    return best


def achievability_warnings(
    *,
    baseline: Decimal,
    target: Decimal,
    start_date: date,
    deadline: date,
    history: Sequence[tuple[date, Decimal]],
    unit: str = "",
) -> list[str]:
    """A warning when the goal needs a faster monthly change than any in the history,
    the rates written in the KPI's unit ("0.4 pp", "$1,200.00", "3 days")."""
    days = (deadline - start_date).days
    if days <= 0 or baseline == target:
        return []
    direction = "up" if target > baseline else "down"
    required = abs(float(target - baseline)) / days
    best = best_rate(history, direction=direction)
    if best is None:
        return []
    per_month = timedelta(days=30).days
    if best <= 0:
        return [
            _(
                "The KPI has never moved in this direction in its snapshot history; "
                "make sure the plan and resources can change that."
            )
        ]
    if required > best:
        return [
            _(
                "The goal needs %(required)s per month; the best seen in past snapshots "
                "is %(best)s per month. It is beyond anything in the history."
            )
            % {
                "required": goal_change(Decimal(str(round(required * per_month, 2))), unit),
                "best": goal_change(Decimal(str(round(best * per_month, 2))), unit),
            }
        ]
    return []
