"""Every write to goals and quotas: create and edit SMART goals, recompute, notify.

The API, the browser and the nightly task call these; each validates the five letters,
keeps the history of tracked fields and refreshes the stored reading.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.languages import in_language_of
from crm.models import Team, User
from crm.services.audit import audit_deleted
from crm.services.common import model_save
from crm.services.notifications import notification_create
from crm.services.outbound_email import MailKind, outbound_email_send
from goals import kpi_source, selectors, smart
from goals.models import Goal, GoalChange, GoalStatus, Quota, ScopeType
from goals.periods import in_supported_range, period_bounds
from goals.units import goal_value

# Edits of these fields are written to the goal's history.
TRACKED_FIELDS = ("target", "deadline", "plan", "baseline", "start_date", "kpi", "scope")
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "plan",
        "kpi",
        "scope_type",
        "scope_id",
        "baseline",
        "target",
        "resources",
        "objective",
        "custom_objective",
        "parent",
        "start_date",
        "deadline",
        "owner",
    }
)


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    warnings: list[str]


def _smart_errors(data: dict[str, Any], *, creating: bool, today: date) -> dict[str, list[str]]:
    return smart.check_smart(
        data,
        kpi_exists=kpi_source.kpi_exists,
        kpi_supports=kpi_source.kpi_supports,
        scope_exists=selectors.scope_exists,
        creating=creating,
        today=today,
    )


def _fill_baseline(data: dict[str, Any]) -> None:
    """Baseline = the KPI computed live for the window ending at the start date, when the
    user gave none and it can be read (kpi_source.baseline_at)."""
    if data.get("baseline") is not None or not data.get("start_date"):
        return
    if not in_supported_range(data["start_date"]):
        return  # check_smart names the date; a KPI over year 1 would overflow first
    kpi, scope_type, scope_id = data.get("kpi"), data.get("scope_type") or "", data.get("scope_id")
    if not kpi or not kpi_source.kpi_exists(kpi):
        return
    if not selectors.scope_exists(scope_type, scope_id):
        return
    data["baseline"] = kpi_source.baseline_at(kpi, scope_type, scope_id, data["start_date"])


def _parent_errors(
    data: dict[str, Any], *, actor: User, goal: Goal | None = None
) -> dict[str, list[str]]:
    parent = data.get("parent")
    if parent is None:
        return {}
    if not selectors.goals_visible_to(actor).filter(pk=parent.pk).exists():
        return {"parent": [_("Choose a goal you can see as the parent.")]}
    ancestor = parent
    while goal is not None and ancestor is not None:
        if ancestor.pk == goal.pk:
            return {"parent": [_("A goal cannot be its own parent or ancestor.")]}
        ancestor = ancestor.parent
    return {}


def goal_soft_warnings(data: dict[str, Any]) -> list[str]:
    """Achievable's warnings that need no KPI history: the resources and the plan."""
    return smart.smart_warnings(data).get("achievable", [])


def achievability_warnings_for(data: dict[str, Any], *, today: date | None = None) -> list[str]:
    """Warnings (never errors) under Achievable: missing resources or plan, and the required
    rate compared with the snapshot history."""
    today = today or timezone.localdate()
    soft = goal_soft_warnings(data)
    needed = ("kpi", "baseline", "target", "start_date", "deadline")
    if any(data.get(name) is None for name in needed):
        return soft
    if not selectors.scope_exists(data.get("scope_type"), data.get("scope_id")):
        return soft
    history = kpi_source.snapshot_series(
        data["kpi"],
        data["scope_type"],
        data["scope_id"],
        since=today - timedelta(days=selectors.HISTORY_DAYS),
        until=today,
    )
    warnings = smart.achievability_warnings(
        baseline=data["baseline"],
        target=data["target"],
        start_date=data["start_date"],
        deadline=data["deadline"],
        history=history,
        unit=_unit(data["kpi"]),
    )
    return soft + warnings


def _unit(kpi: str) -> str:
    info = kpi_source.kpi_info(kpi)
    return info.unit if info else ""


def _default_objective(data: dict[str, Any]) -> None:
    """A goal that names no objective serves its KPI's headline goal or its own title."""
    if not (data.get("objective") or "").strip():
        data["objective"], data["custom_objective"] = smart.objective_default(data)


def _target_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Errors under `target`: one the KPI cannot take, else one that moves it the wrong way."""
    return _out_of_range_errors(data) or _wrong_way_errors(data)


def _out_of_range_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """A target outside the KPI's natural range (churn below 0 %, a win rate above 100 %,
    negative revenue) can never be reached and is refused under `target`."""
    kpi, target = data.get("kpi") or "", data.get("target")
    info = kpi_source.kpi_info(kpi) if kpi else None
    if info is None or target is None:
        return {}
    low, high = kpi_source.natural_range(kpi)
    numbers = {"kpi": info.name, "target": goal_value(target, info.unit)}
    if low is not None and target < low:
        message = _("%(kpi)s cannot go below %(bound)s: a target of %(target)s is out of reach.")
        return {"target": [message % {**numbers, "bound": goal_value(low, info.unit)}]}
    if high is not None and target > high:
        message = _("%(kpi)s cannot go above %(bound)s: a target of %(target)s is out of reach.")
        return {"target": [message % {**numbers, "bound": goal_value(high, info.unit)}]}
    return {}


def _wrong_way_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """A target that would make the KPI worse (raise churn, lower the win rate) is refused
    under `target`: a goal's progress toward it would be a decline."""
    kpi, baseline, target = data.get("kpi") or "", data.get("baseline"), data.get("target")
    info = kpi_source.kpi_info(kpi) if kpi else None
    if info is None or baseline is None or target is None or target == baseline:
        return {}
    raising = target > baseline
    if raising != kpi_source.lower_is_better(kpi):
        return {}
    numbers = {
        "kpi": info.name,
        "target": goal_value(target, info.unit),
        "baseline": goal_value(baseline, info.unit),
    }
    if raising:
        message = _(
            "%(kpi)s is better when it goes down: a target of %(target)s, above the "
            "baseline of %(baseline)s, would make it worse. Set a target below %(baseline)s."
        )
    else:
        message = _(
            "%(kpi)s is better when it goes up: a target of %(target)s, below the "
            "baseline of %(baseline)s, would make it worse. Set a target above %(baseline)s."
        )
    return {"target": [message % numbers]}


def _default_scope(data: dict[str, Any], *, actor: User) -> None:
    if data.get("scope_type"):
        if data["scope_type"] == ScopeType.COMPANY:
            data["scope_id"] = None
        return
    # A rep's goals are about themselves; a manager's default is the whole company.
    if actor.sees_all_sales:
        data["scope_type"], data["scope_id"] = ScopeType.COMPANY, None
    else:
        data["scope_type"], data["scope_id"] = ScopeType.REP, actor.pk


def _default_owner(data: dict[str, Any], *, actor: User) -> None:
    if data.get("owner") is not None:
        if data["owner"] != actor and not actor.sees_all_sales:
            raise PermissionDenied(_("Only managers set goals for somebody else."))
        return
    if data["scope_type"] == ScopeType.REP and str(data.get("scope_id")) != str(actor.pk):
        # A rep's goal belongs to that rep, who is the one notified when it slips.
        data["owner"] = User.objects.filter(pk=data["scope_id"]).first() or actor
    else:
        data["owner"] = actor


def _prepare_new(data: dict[str, Any], *, actor: User, today: date) -> dict[str, Any]:
    """Defaults, rights, baseline, the five letters: raises what goal_create would."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    data = dict(data)
    _default_scope(data, actor=actor)
    if not selectors.goal_scope_allowed(actor, data["scope_type"], data.get("scope_id")):
        raise PermissionDenied(_("You may only set goals about yourself."))
    _default_owner(data, actor=actor)
    _fill_baseline(data)
    errors = _smart_errors(data, creating=True, today=today)
    errors.update(_target_errors(data))
    errors.update(_parent_errors(data, actor=actor))
    if errors:
        raise ValidationError(errors)
    _default_objective(data)
    return data


def goal_preview(*, actor: User, today: date | None = None, **data: Any) -> list[str]:
    """Validate a new goal without saving it; return its achievability warnings."""
    today = today or timezone.localdate()
    return achievability_warnings_for(_prepare_new(data, actor=actor, today=today), today=today)


@transaction.atomic
def goal_create(*, actor: User, today: date | None = None, **data: Any) -> GoalResult:
    """Create a SMART goal. Raises ValidationError keyed by letter (and field) when a letter
    fails, PermissionDenied when the actor may not set a goal of that scope."""
    today = today or timezone.localdate()
    data = _prepare_new(data, actor=actor, today=today)
    goal = Goal(created_by=actor, **data)
    model_save(goal)
    goal = goal_recompute(goal=goal, today=today, notify=False)
    return GoalResult(goal, achievability_warnings_for(data, today=today))


def _display(goal: Goal, field: str) -> str:
    if field == "scope":
        return goal.scope_type if goal.scope_id is None else f"{goal.scope_type}:{goal.scope_id}"
    value = getattr(goal, field)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return "" if value is None else str(value)


@transaction.atomic
def goal_update(
    *, goal: Goal, actor: User, reason: str = "", today: date | None = None, **changes: Any
) -> GoalResult:
    """Edit a goal; target, deadline, plan (and the other tracked fields) keep a history."""
    today = today or timezone.localdate()
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if not selectors.goal_can_edit(actor, goal):
        raise PermissionDenied(_("You may not change this goal."))
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    if changes.get("scope_type") == ScopeType.COMPANY:
        changes["scope_id"] = None
    # A form's empty owner or baseline means "keep it", not "clear it".
    for keep in ("owner", "baseline"):
        if keep in changes and changes[keep] is None:
            del changes[keep]
    before = {field: _display(goal, field) for field in TRACKED_FIELDS}
    old_deadline = goal.deadline
    data = {name: getattr(goal, name) for name in EDITABLE_FIELDS} | changes
    if not selectors.goal_scope_allowed(actor, data["scope_type"], data["scope_id"]):
        raise PermissionDenied(_("You may only set goals about yourself."))
    if "owner" in changes and changes["owner"] != goal.owner and not actor.sees_all_sales:
        raise PermissionDenied(_("Only managers set goals for somebody else."))
    data["deadline_changed"] = data["deadline"] != old_deadline
    errors = _smart_errors(data, creating=False, today=today)
    errors.update(_target_errors(data))
    errors.update(_parent_errors(data, actor=actor, goal=goal))
    if errors:
        raise ValidationError(errors)
    if "objective" in changes:
        _default_objective(data)
        changes["objective"] = data["objective"]
        changes["custom_objective"] = data["custom_objective"]
    for name, value in changes.items():
        setattr(goal, name, value)
    model_save(goal)
    now = timezone.now()
    GoalChange.objects.bulk_create(
        GoalChange(
            goal=goal,
            field=field,
            old_value=before[field],
            new_value=_display(goal, field),
            changed_by=actor,
            changed_at=now,
            reason=reason[:500],
        )
        for field in TRACKED_FIELDS
        if _display(goal, field) != before[field]
    )
    goal = goal_recompute(goal=goal, today=today)
    data.pop("deadline_changed")
    return GoalResult(goal, achievability_warnings_for(data, today=today))


@transaction.atomic
def goal_delete(*, goal: Goal, actor: User) -> None:
    audit_deleted(actor=actor, record=goal)
    if not selectors.goal_can_edit(actor, goal):
        raise PermissionDenied(_("You may not delete this goal."))
    goal.delete()


@transaction.atomic
def goal_recompute(*, goal: Goal, today: date | None = None, notify: bool = True) -> Goal:
    """Store a fresh reading; tell the owner once when the goal turns off track.

    The row is locked so two recomputes racing cannot both see the transition.
    """
    today = today or timezone.localdate()
    goal = Goal.objects.select_for_update().select_related("owner").get(pk=goal.pk)
    reading = selectors.goal_reading(goal, today=today)
    previous = goal.status
    goal.current_value = reading.current_value
    goal.progress = reading.progress
    goal.expected_progress = reading.expected_progress
    goal.status = reading.status
    goal.projection = reading.projection
    goal.computed_at = timezone.now()
    goal.save(
        update_fields=[
            "current_value",
            "progress",
            "expected_progress",
            "status",
            "projection",
            "computed_at",
            "updated_at",
        ]
    )
    if notify and reading.status == GoalStatus.OFF_TRACK and previous != GoalStatus.OFF_TRACK:
        goal_notify_off_track(goal=goal)
    return goal


def goal_notify_off_track(*, goal: Goal) -> None:
    """In-app notice now, email once the transaction has committed.

    Both are written in the owner's language (their `language`, else the site's), not in
    whatever language the request or worker that noticed happens to speak.
    """
    url = reverse("goals:detail", args=[goal.pk])
    with in_language_of(goal.owner):
        message = _("Your goal “%(title)s” is off track.") % {"title": goal.title}
        body = _(
            "“%(title)s” is %(progress)s%% of the way to its target, where %(expected)s%% "
            "was expected by today. Review the plan: %(url)s"
        ) % {
            "title": goal.title,
            "progress": goal.progress,
            "expected": goal.expected_progress,
            "url": url,
        }
    notification_create(user=goal.owner, message=message, url=url)
    if not goal.owner.email:
        return
    recipient = goal.owner.email
    transaction.on_commit(
        lambda: outbound_email_send(
            kind=MailKind.TRANSACTIONAL, to=recipient, subject=message, body=body
        )
    )


def goals_due_for_recompute(*, today: date) -> QuerySet[Goal]:
    """Goals still in play, and those whose deadline just passed (to settle them)."""
    open_statuses = [
        "",
        GoalStatus.TOO_EARLY,
        GoalStatus.ON_TRACK,
        GoalStatus.AT_RISK,
        GoalStatus.OFF_TRACK,
    ]
    return Goal.objects.filter(
        Q(deadline__gte=today - timedelta(days=2)) | Q(status__in=open_statuses)
    ).order_by("pk")


def goals_recompute_all(*, today: date | None = None) -> int:
    """Nightly: one transaction per goal, so one bad goal does not undo the rest."""
    today = today or timezone.localdate()
    done = 0
    for goal_id in goals_due_for_recompute(today=today).values_list("pk", flat=True).iterator():
        goal_recompute(goal=Goal(pk=goal_id), today=today)
        done += 1
    return done


# --- Quotas ----------------------------------------------------------------------------


def _quota_check(actor: User) -> None:
    if not actor.sees_all_sales:
        raise PermissionDenied(_("Only managers set quotas."))


def _quota_start_check(start: date | None) -> None:
    if isinstance(start, date) and not in_supported_range(start):
        raise ValidationError({"start": _("Pick a date between the years 1900 and 2999.")})


@transaction.atomic
def quota_create(
    *,
    actor: User,
    period: str,
    start: date,
    amount: Decimal,
    owner: User | None = None,
    team: Team | None = None,
) -> Quota:
    """A quota for one rep or one team; `start` is moved to the first day of its period."""
    _quota_check(actor)
    if (owner is None) == (team is None):
        raise ValidationError({"owner": _("Set the quota for either one rep or one team.")})
    _quota_start_check(start)
    first, end = period_bounds(period, start) if start else (None, None)
    # A missing start leaves both dates None, which full_clean (model_save) reports.
    quota = Quota(owner=owner, team=team, period=period, start=first, end=end, amount=amount)  # type: ignore[misc]
    return model_save(quota)


@transaction.atomic
def quota_update(*, quota: Quota, actor: User, **changes: Any) -> Quota:
    _quota_check(actor)
    allowed = {"amount", "period", "start", "owner", "team"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(quota, name, value)
    if (quota.owner_id is None) == (quota.team_id is None):
        raise ValidationError({"owner": _("Set the quota for either one rep or one team.")})
    _quota_start_check(quota.start)
    quota.start, quota.end = period_bounds(quota.period, quota.start)
    return model_save(quota)


@transaction.atomic
def quota_delete(*, quota: Quota, actor: User) -> None:
    audit_deleted(actor=actor, record=quota)
    _quota_check(actor)
    quota.delete()
