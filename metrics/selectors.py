"""Reads for the metrics pages and endpoints: who may see which scope, snapshot series.

Reps see only their own figures: with no scope asked for they get their own (owner)
scope; asking for another rep, a team, a pipeline, a campaign or the company is refused
(403). Managers, admins, marketing and support may look at any scope.
"""

from datetime import date

from django.core.exceptions import PermissionDenied

from crm.models import Role
from metrics.models import KpiSnapshot
from metrics.scopes import Scope, ScopeType


def own_figures_only(user) -> bool:
    return not user.is_superuser and user.role == Role.REP


def scope_for_user(user, requested: Scope | None) -> Scope:
    """The scope `user` gets when asking for `requested` (None: their default)."""
    if not own_figures_only(user):
        return requested or Scope.company()
    own = Scope.owner(user.pk)
    if requested is None or requested == own:
        return own
    raise PermissionDenied("A sales rep can only see their own figures.")


def snapshots_visible_to(user):
    snapshots = KpiSnapshot.objects.all()
    if own_figures_only(user):
        return snapshots.filter(scope_type=ScopeType.OWNER, scope_id=user.pk)
    return snapshots


def snapshot_series(scope: Scope, *, since: date, until: date) -> dict[str, list]:
    """{kpi: [(date, value), ...]} for every KPI of the scope in [since, until], one query."""
    rows = (
        KpiSnapshot.objects.for_scope(scope)
        .filter(date__gte=since, date__lte=until)
        .order_by("kpi", "date")
        .values_list("kpi", "date", "value")
    )
    series: dict[str, list] = {}
    for kpi, day, value in rows:
        series.setdefault(kpi, []).append((day, value))
    return series
