"""A per-process cache of the SQL each KPI runs, per (KPI, scope type): `compute`.

For a KPI whose SQL takes a millisecond or less, building its querysets and Django's
compiling them took as long again (bench/kpis.py: win rate, NPS, referrals, … 1.6-2.9x
their hand-written SQL). The statement a KPI runs differs from one call to the next only
in its parameters (the period's bounds, the scope's id), so it is compiled once per
process and shape, and a repeated compute fills in the parameters and runs it:

1. miss: the function runs with each read (`metrics.kpis.base.aggregate`, `group_counts`)
   compiled as `metrics.kpis.together` compiles it, run at once and recorded. Then it runs
   again, compile only, with a probe period and scope id no caller uses; a parameter that
   differs between the two comes from a slot (`SLOTS`: the period's bounds in their
   forms, the scope's id), one that stays is a constant. The template is kept only when
   the two runs compiled the same SQL text, every varying parameter is a slot, filling the
   template with the real period gives back the real parameters exactly, and the probe
   made no query of its own (a builder reading the database would bake rows into the
   statement). Otherwise the KPI runs uncached, as before, for that shape.
2. hit: the function runs with its reads answered from the template's statement (all its
   reads in one statement, `(read 1) CROSS JOIN (read 2)`), filled with this call's
   period and scope. A read given as a builder (`lambda: queryset`) is not even built.

The key holds what else shapes the SQL: the scope type, the database (alias, name, host,
port) each read was routed to and the settings the KPI modules read (`SETTINGS`) with
the active time zone. Like `together`, this relies on a KPI making the same reads
whatever the numbers and the period (Python only divides and rounds what they return);
a hit whose reads differ from the template's drops it and computes cold.
"""

from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.utils import timezone

from metrics.kpis.base import KpiResult, QuerySetOrBuilder, aggregate_source
from metrics.kpis.together import Read, _as_read, _Collect, answers_of
from metrics.scopes import Period, Scope

# Every setting a KPI module or metrics.currency reads (test_statements checks the list
# against the source): a change of one gives other SQL or other reads.
SETTINGS = (
    "GOALPOST_REPORTING_CURRENCY",
    "GOALPOST_NEW_REVENUE_MONTHS",
    "GOALPOST_CUSTOMER_LIFESPAN_YEARS",
    "GOALPOST_CUSTOMER_LIFESPAN_FALLBACK_YEARS",
    "TIME_ZONE",
    "USE_TZ",
)

# Where a parameter may come from: each a function of (period, scope).
SLOTS: dict[str, Callable[[Period, Scope], object]] = {
    "start_at": lambda period, scope: period.start_at,
    "end_at": lambda period, scope: period.end_at,
    "start": lambda period, scope: period.start,
    "end": lambda period, scope: period.end,
    # Spend is booked per month: the first month the period touches (CAC).
    "start_month": lambda period, scope: period.start.replace(day=1),
    # CLV's yearly window.
    "year_start_at": lambda period, scope: period.trailing_year().start_at,
    "year_start": lambda period, scope: period.trailing_year().start,
    "scope_id": lambda period, scope: scope.id,
}

# KPIs run uncached: they read outside `aggregate` when live (the per-stage breakdown of days in
# stage is a plain grouped query, and it takes another path under any aggregate source).
LIVE_ONLY = frozenset({"stage_duration_days"})

# A bound on the entries (KPIs x scope types x settings, databases and time zones seen):
# past it the cache starts again rather than grow with every time zone a request names.
MAX_ENTRIES = 1024

_UNCACHEABLE = object()
_cache: dict[tuple[Any, ...], list[Any]] = {}


@dataclass(frozen=True)
class _Param:
    slot: str | None
    value: object = None

    def fill(self, period: Period, scope: Scope) -> object:
        return self.value if self.slot is None else SLOTS[self.slot](period, scope)


@dataclass(frozen=True)
class _Template:
    """The reads of one KPI for one shape: one statement, its parameters as slots."""

    reads: tuple[Read, ...]
    sql: str
    params: tuple[_Param, ...]
    # (model, alias) per read: the router must still send each read there.
    routes: tuple[tuple[type[Model] | None, str], ...]
    databases: tuple[tuple[Any, ...], ...]

    def fill(self, period: Period, scope: Scope) -> list[object]:
        return [param.fill(period, scope) for param in self.params]

    def still_routed(self) -> bool:
        # A read without a model (group_counts' SQL) was routed by its caller: the
        # router is asked with None (crm.db_router looks at no model).
        return all(
            router.db_for_read(model) == alias  # type: ignore[arg-type]
            for model, alias in self.routes
        ) and (self.databases == tuple(_database(alias) for _, alias in self.routes))


def _database(alias: str) -> tuple[Any, ...]:
    config = connections[alias].settings_dict
    return (alias, config.get("NAME"), config.get("HOST"), config.get("PORT"))


def _key(kpi_key: str, scope: Scope) -> tuple[Any, ...]:
    return (
        kpi_key,
        scope.type,
        scope.id is None,
        timezone.get_current_timezone_name(),
        *(getattr(settings, name, None) for name in SETTINGS),
    )


def is_cached(kpi_key: str, scope: Scope) -> bool:
    """Whether a compute of `kpi_key` for `scope` now would run a cached statement."""
    entries = _cache.get(_key(kpi_key, scope)) or []
    return any(entry is not _UNCACHEABLE and entry.still_routed() for entry in entries)


def clear() -> None:
    """Forget every cached statement (tests; a deploy restarts the processes anyway)."""
    _cache.clear()


class _Record:
    """Cold run: compiles each read as the cache will run it, runs it, records it."""

    takes_builders = False
    lists_details = True

    def __init__(self) -> None:
        self.reads: list[Read] = []
        self.models: list[type[Model] | None] = []
        self.cacheable = True

    def aggregate(self, queryset: QuerySet[Any], aggregates: dict[str, Any]) -> dict[str, Any]:
        try:
            read = _as_read(queryset, aggregates)
        except EmptyResultSet:
            # A filter that can match nothing (`pk__in=[]`) compiles to no SQL at all;
            # Django's aggregate() answers it with the empty values.
            self.cacheable = False
            empty: dict[str, Any] = queryset.aggregate(**aggregates)
            return empty
        self.models.append(queryset.model)
        return self._run(read)

    def select(self, sql: str, params: Any, names: list[str], alias: str) -> dict[str, Any]:
        # group_counts' statement over a grouped queryset, routed by the caller (the
        # project's router does not look at the model).
        self.models.append(None)
        return self._run(Read(list(names), sql, tuple(params), dict.fromkeys(names), alias))

    def _run(self, read: Read) -> dict[str, Any]:
        self.reads.append(read)
        return _execute([read])[0]


class _Cached:
    """Hit: answers the n-th read from the template's one statement."""

    takes_builders = True
    lists_details = True

    def __init__(self, template: _Template, period: Period, scope: Scope):
        self.template, self.period, self.scope = template, period, scope
        self.answers: list[dict[str, Any]] | None = None
        self.position = 0

    def _next(self, names: Any) -> dict[str, Any]:
        position, self.position = self.position, self.position + 1
        reads = self.template.reads
        if position >= len(reads) or reads[position].names != list(names):
            raise _Differs
        if self.answers is None:
            self.answers = _execute(
                reads,
                sql=self.template.sql,
                params=self.template.fill(self.period, self.scope),
            )
        return self.answers[position]

    def aggregate(self, queryset: QuerySetOrBuilder, aggregates: dict[str, Any]) -> dict[str, Any]:
        return self._next(aggregates)

    def select(self, sql: str, params: Any, names: list[str], alias: str) -> dict[str, Any]:
        return self._next(names)


class _Differs(Exception):
    """A hit asked for other reads than its template recorded."""


class _QueryMade(Exception):
    """The probe run reached the database (a builder evaluated a queryset)."""


def _one_statement(reads: Any) -> tuple[str, list[Any]]:
    if len(reads) == 1:
        return reads[0].sql, list(reads[0].params)
    parts = [f"({read.sql}) AS r{i}" for i, read in enumerate(reads)]
    # The parts are SQL Django compiled (or group_counts' constants); values are parameters.
    sql = "SELECT * FROM " + " CROSS JOIN ".join(parts)  # noqa: S608
    return sql, [param for read in reads for param in read.params]


def _execute(reads: Any, *, sql: str | None = None, params: Any = None) -> list[dict[str, Any]]:
    """Every read of `reads` in one statement (`sql` with `params`, else theirs); each
    read's {name: value}, converted as Django's aggregate() converts it."""
    if sql is None:
        sql, params = _one_statement(reads)
    connection = connections[reads[0].alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return answers_of(connection, reads, row)


def _run_with(source: Any, function: Any, period: Period, scope: Scope) -> KpiResult:
    token = aggregate_source.set(source)
    try:
        result: KpiResult = function(period, scope)
        return result
    finally:
        aggregate_source.reset(token)


def probe_of(period: Period, scope: Scope) -> tuple[Period, Scope]:
    """A period and scope no caller uses, other than `period` and `scope` in every slot:
    another year, month day and length, and a negative id."""
    start = date(1931, 5, 17) if period.start.year != 1931 else date(1933, 7, 19)
    probe = Period(start, start + timedelta(days=period.days + 3))
    scope_id = None if scope.id is None else -abs(scope.id) - 7_000_003
    return probe, Scope(scope.type, scope_id)


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _template(
    record: _Record,
    probe: _Collect,
    period: Period,
    scope: Scope,
    probe_period: Period,
    probe_scope: Scope,
) -> _Template | None:
    """The template of `record`'s reads, or None when they cannot be templated safely."""
    real, other = record.reads, probe.reads
    if not record.cacheable or not real or len(real) != len(other):
        return None
    if any(
        r.sql != o.sql or r.names != o.names or r.alias != o.alias
        for r, o in zip(real, other, strict=True)
    ):
        return None
    if len({read.alias for read in real}) != 1:
        return None
    sql, params = _one_statement(real)
    _, probe_params = _one_statement(other)
    slots = []
    for value, probed in zip(params, probe_params, strict=True):
        if _same(value, probed):
            slots.append(_Param(None, value))
            continue
        slot = next(
            (
                name
                for name, fill in SLOTS.items()
                if _same(fill(period, scope), value)
                and _same(fill(probe_period, probe_scope), probed)
            ),
            None,
        )
        if slot is None:
            return None
        slots.append(_Param(slot))
    routes = tuple((model, read.alias) for model, read in zip(record.models, real, strict=True))
    template = _Template(
        reads=tuple(real),
        sql=sql,
        params=tuple(slots),
        routes=routes,
        databases=tuple(_database(alias) for _, alias in routes),
    )
    if not all(_same(a, b) for a, b in zip(template.fill(period, scope), params, strict=True)):
        return None
    return template


def _no_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> None:
    raise _QueryMade(sql)


def _cold(
    kpi_key: str, function: Any, period: Period, scope: Scope, entries: list[Any]
) -> KpiResult:
    record = _Record()
    result = _run_with(record, function, period, scope)
    probe_period, probe_scope = probe_of(period, scope)
    # Compile only, answered with the aggregates' empty values.
    probe = _Collect()
    try:
        with ExitStack() as stack:
            for connection in connections.all(initialized_only=True):
                stack.enter_context(connection.execute_wrapper(_no_queries))
            _run_with(probe, function, probe_period, probe_scope)
        template = _template(record, probe, period, scope, probe_period, probe_scope)
    except (_QueryMade, EmptyResultSet, ArithmeticError, ValueError, TypeError):
        # The probe's empty answers or a builder reading rows: not cacheable, not an error.
        template = None
    entries.append(template if template is not None else _UNCACHEABLE)
    return result


def compute(
    kpi_key: str, function: Callable[[Period, Scope], KpiResult], period: Period, scope: Scope
) -> KpiResult:
    """`function(period, scope)` (a KPI's), its SQL compiled once per process and shape.

    The same KpiResult as the function computed directly; one statement per call once
    the shape is cached (fewer than uncached when the KPI makes several reads). Raises
    what the function raises.
    """
    if kpi_key in LIVE_ONLY or aggregate_source.get() is not None:
        return function(period, scope)
    key = _key(kpi_key, scope)
    entries = _cache.get(key)
    if entries is None:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        entries = _cache.setdefault(key, [])
    for template in entries:
        if template is _UNCACHEABLE:
            return function(period, scope)
        if template.still_routed():
            cached = _Cached(template, period, scope)
            try:
                result = _run_with(cached, function, period, scope)
            except _Differs:
                result = None
            if result is not None and cached.position == len(template.reads):
                return result
            # Another thread may have dropped it first.
            with suppress(ValueError):
                entries.remove(template)
            break
    return _cold(kpi_key, function, period, scope, entries)
