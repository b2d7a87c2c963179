"""Reads of goals and quotas, narrowed to what a user may see."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crm import policies
from crm.models import Campaign, Pipeline, Role, Team, User
from goals import kpi_source, progress
from goals.models import Goal, GoalChange, GoalStatus, Quota, ScopeType
from metrics.kpis import quotas as quota_kpi

SCOPE_MODELS: dict[str, type[Team] | type[User] | type[Pipeline] | type[Campaign]] = {
    ScopeType.TEAM: Team,
    ScopeType.REP: User,
    ScopeType.PIPELINE: Pipeline,
    ScopeType.CAMPAIGN: Campaign,
}
# How far back the chart and the projection look at a goal's snapshots.
HISTORY_DAYS = 365


def scope_exists(scope_type: str | None, scope_id: Any) -> bool:
    if scope_type == ScopeType.COMPANY:
        return True
    model = SCOPE_MODELS.get(scope_type or "")
    if model is None or scope_id is None:
        return False
    try:
        return model.objects.filter(pk=int(scope_id)).exists()
    except (TypeError, ValueError, OverflowError):
        return False


def scope_name(scope_type: str, scope_id: Any) -> str:
    model = SCOPE_MODELS.get(scope_type)
    if model is None:
        return str(ScopeType.COMPANY.label)
    row = model.objects.filter(pk=scope_id).first()
    return str(row) if row else f"#{scope_id}"


def goals_visible_to(user: User) -> QuerySet[Goal]:
    """Managers and admins see every goal; others the company goals, their team's goals,
    goals about them or owned by them (and marketing the campaign goals)."""
    queryset = policies.scope(user, "goals", Goal.objects.all())
    if not policies.can_read(user, "goals") or user.sees_all_sales:
        return queryset
    visible = (
        Q(scope_type=ScopeType.COMPANY)
        | Q(owner=user)
        | Q(scope_type=ScopeType.REP, scope_id=user.pk)
    )
    if user.team_id:
        visible |= Q(scope_type=ScopeType.TEAM, scope_id=user.team_id)
    if user.has_role(Role.MARKETING):
        visible |= Q(scope_type=ScopeType.CAMPAIGN)
    return queryset.filter(visible)


def goal_get_for_user(user: User, pk: Any) -> Goal:
    goal = goals_visible_to(user).select_related("owner", "parent").filter(pk=pk).first()
    if goal is None:
        raise Http404
    return goal


def goal_can_edit(user: User, goal: Goal) -> bool:
    """Managers and admins edit any goal; a rep only their own rep-scope goals."""
    if not policies.can_write(user, "goals"):
        return False
    if user.sees_all_sales:
        return True
    return (
        goal.scope_type == ScopeType.REP and goal.scope_id == user.pk and goal.owner_id == user.pk
    )


def goal_scope_allowed(user: User, scope_type: str, scope_id: Any) -> bool:
    """Which goals a user may set: managers any scope, reps only goals about themselves."""
    if not policies.can_write(user, "goals"):
        return False
    if user.sees_all_sales:
        return True
    return scope_type == ScopeType.REP and str(scope_id) == str(user.pk)


def goal_series(goal: Goal, *, today: date | None = None) -> list[tuple[date, Decimal]]:
    today = today or timezone.localdate()
    since = min(goal.start_date, today) - timedelta(days=HISTORY_DAYS)
    return kpi_source.snapshot_series(
        goal.kpi, goal.scope_type, goal.scope_id, since=since, until=today
    )


def goal_reading(
    goal: Goal,
    *,
    today: date | None = None,
    series: list[tuple[date, Decimal]] | None = None,
    history_known: bool | None = None,
) -> progress.Reading:
    today = today or timezone.localdate()
    if series is None:
        series = goal_series(goal, today=today)
    return progress.evaluate(
        baseline=goal.baseline,
        target=goal.target,
        start_date=goal.start_date,
        deadline=goal.deadline,
        series=series,
        today=today,
        bounds=kpi_source.natural_range(goal.kpi),
        history_known=history_known,
    )


def goal_window_notes(goal: Goal, *, today: date | None = None) -> dict[str, Any]:
    """`open_share` and `missing_rates` of the goal's KPI over its latest window (the one
    the snapshot of the evaluation day's eve measures): kpi_source.latest_window_notes."""
    today = today or timezone.localdate()
    day = progress.evaluation_day(today=today, deadline=goal.deadline) - timedelta(days=1)
    return kpi_source.latest_window_notes(goal.kpi, goal.scope_type, goal.scope_id, day=day)


def goal_records_url(goal: Goal, *, user: User, today: date | None = None) -> str | None:
    """The records behind the goal's current value: its KPI and scope over the latest
    window (the one `goal_window_notes` reads)."""
    today = today or timezone.localdate()
    day = progress.evaluation_day(today=today, deadline=goal.deadline) - timedelta(days=1)
    return kpi_source.records_url(goal.kpi, goal.scope_type, goal.scope_id, day=day, user=user)


def goal_list_for_user(user: User, *, today: date | None = None) -> QuerySet[Goal]:
    """Visible goals with the latest snapshot value annotated in one query (`live_current`)."""
    today = today or timezone.localdate()
    return kpi_source.annotate_latest_value(
        goals_visible_to(user).select_related("owner"), until=today
    )


def live_reading_from_annotation(goal: Goal, *, today: date) -> progress.Reading:
    """Reading for list rows: live current value, the stored projection of the recompute."""
    if today > goal.deadline + timedelta(days=1):
        # Settled by the recompute: later snapshots no longer count.
        return stored_reading(goal)
    current = getattr(goal, "live_current", None)
    series = [] if current is None else [(today, current)]
    # One value has no history: whether there is enough is what the recompute found.
    history_known = goal.status not in ("", GoalStatus.TOO_EARLY)
    reading = goal_reading(goal, today=today, series=series, history_known=history_known)
    return progress.Reading(
        reading.current_value,
        reading.progress,
        reading.expected_progress,
        reading.status,
        goal.projection,
    )


def stored_reading(goal: Goal) -> progress.Reading:
    return progress.Reading(
        goal.current_value,
        goal.progress,
        goal.expected_progress if goal.expected_progress is not None else 0.0,
        goal.status,
        goal.projection,
    )


def children_rollup(
    goal: Goal, *, today: date | None = None, visible_to: User | None = None
) -> tuple[list[tuple[Goal, progress.Reading]], float | None]:
    """The children with their live readings, and their mean progress.

    With `visible_to`, only the children that user may see are listed (a rep opening a
    company goal must not read other reps' goals); the rollup still counts them all.
    """
    today = today or timezone.localdate()
    children = list(kpi_source.annotate_latest_value(goal.children.all(), until=today))
    readings = [(child, live_reading_from_annotation(child, today=today)) for child in children]
    rollup = progress.rollup([r.progress for _c, r in readings])
    if visible_to is not None and not visible_to.sees_all_sales:
        visible = set(goals_visible_to(visible_to).filter(parent=goal).values_list("pk", flat=True))
        readings = [(child, reading) for child, reading in readings if child.pk in visible]
    return readings, rollup


def goal_history(goal: Goal) -> QuerySet[GoalChange]:
    return goal.changes.select_related("changed_by")


# --- Quotas ----------------------------------------------------------------------------


def quotas_visible_to(user: User) -> QuerySet[Quota]:
    """Managers and admins see all quotas; a rep their own and their team's."""
    queryset = policies.scope(user, "quotas", Quota.objects.all())
    if not policies.can_read(user, "quotas") or user.sees_all_sales:
        return queryset
    mine = Q(owner=user)
    if user.team_id:
        mine |= Q(team_id=user.team_id)
    return queryset.filter(mine)


def with_attainment(queryset: QuerySet[Quota]) -> QuerySet[Quota]:
    """Annotate `won_value`: what each quota covers over its own dates.

    metrics.kpis.quotas is the one definition of attainment (the KPI calls it too): deals
    won by the rep while the quota runs, or by the team's members for a team quota.
    """
    return quota_kpi.with_won_value(queryset.select_related("owner", "team"))


@dataclass(frozen=True)
class Attainment:
    quota: Quota
    won_value: Decimal
    # won_value ÷ amount x 100, 4 decimals (metrics.kpis.quotas.attainment_percent).
    percent: Decimal | None


def attainment_of(quota: Quota) -> Attainment:
    won = getattr(quota, "won_value", None)
    if won is None:
        # won_value is the annotation with_attainment adds; the stubs know only the fields.
        quota_row = with_attainment(Quota.objects.filter(pk=quota.pk)).get()
        won = quota_row.won_value  # type: ignore[attr-defined]
    return Attainment(quota, won, quota_kpi.attainment_percent(won, quota.amount))


def current_quotas_for_rep(user: User, *, today: date | None = None) -> list[Attainment]:
    """The rep's own and team quotas covering today, with attainment (for their goals page)."""
    today = today or timezone.localdate()
    mine = Q(owner=user)
    if user.team_id:
        mine |= Q(team_id=user.team_id)
    quotas = with_attainment(Quota.objects.covering(today).filter(mine))
    return [attainment_of(q) for q in quotas]
