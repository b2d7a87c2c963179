"""Reads for the metrics pages and endpoints: who may see which scope, snapshot series.

Reps see only their own figures: with no scope asked for they get their own (owner)
scope; asking for another rep, a team, a pipeline, a campaign or the company is refused
(403). Managers and admins may look at any scope. Marketing and support see the
company's, a pipeline's and a campaign's figures and their own, not another person's or
a team's (people's figures are their manager's business).
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from crm.models import User
from crm.policies import own_figures_only, sees_everyones_figures
from metrics.models import KpiSnapshot
from metrics.scopes import Scope, ScopeType

PEOPLE_SCOPES = (ScopeType.OWNER, ScopeType.TEAM)


def scope_for_user(user: User, requested: Scope | None) -> Scope:
    """The scope `user` gets when asking for `requested` (None: their default).

    Raises PermissionDenied for a scope the user's role may not see.
    """
    if sees_everyones_figures(user):
        return requested or Scope.company()
    own = Scope.owner(user.pk)
    if own_figures_only(user):
        if requested is None or requested == own:
            return own
        raise PermissionDenied(_("A sales rep can only see their own figures."))
    if requested is None:
        return Scope.company()
    if requested.type in PEOPLE_SCOPES and requested != own:
        raise PermissionDenied(_("Only managers see another person's or a team's figures."))
    return requested


def snapshots_visible_to(user: User) -> QuerySet[KpiSnapshot]:
    snapshots = KpiSnapshot.objects.all()
    own = Q(scope_type=ScopeType.OWNER, scope_id=user.pk)
    if own_figures_only(user):
        return snapshots.filter(own)
    if sees_everyones_figures(user):
        return snapshots
    return snapshots.filter(~Q(scope_type__in=PEOPLE_SCOPES) | own)


def snapshot_series(
    scope: Scope, *, since: date, until: date
) -> dict[str, list[tuple[date, Decimal | None]]]:
    """{kpi: [(date, value), ...]} for every KPI of the scope in [since, until], one query."""
    rows = (
        KpiSnapshot.objects.for_scope(scope)
        .filter(date__gte=since, date__lte=until)
        .order_by("kpi", "date")
        .values_list("kpi", "date", "value")
    )
    series: dict[str, list[tuple[date, Decimal | None]]] = {}
    for kpi, day, value in rows:
        series.setdefault(kpi, []).append((day, value))
    return series
