"""Many KPI computations in one SQL statement (the dashboard: every KPI, two periods).

Each KPI function reads the database only through `metrics.kpis.base.aggregate` and
`group_counts`. `compute_together` runs the functions twice:

1. collect: every read is recorded (compiled to SQL, not run) and answered with the
   aggregate's empty value (0 for a count, None for a sum), so the function runs through;
2. one statement: the recorded reads, each a one-row SELECT, side by side
   (`SELECT * FROM (read 1) r0 CROSS JOIN (read 2) r1 …`), run once, without JIT
   (see `_run`);
3. replay: the functions run again and each read is answered from that row, converted
   as Django's own `aggregate()` converts it.

So each formula is still written once, in its KPI function, and a single KPI
(`registry.compute`) gives the same value as the dashboard's card. A function must make
the same reads whatever the numbers (which they all do: Python only divides and rounds
what the reads return); a replay that asks for other reads than were collected raises
`ReadsDiffer`.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet, Value

from metrics.kpis.base import KpiResult, QuerySetOrBuilder, aggregate_source, empty_value


class ReadsDiffer(RuntimeError):
    """A KPI function asked for other reads on replay than on collection."""


@dataclass
class Read:
    names: list[str]
    sql: str
    params: tuple[Any, ...]
    # Per name: a function turning the database's value into Django's (JSON, …).
    converters: dict[str, Any]
    # The connection the queryset would read from: "replica" inside reading_from_replica().
    alias: str


def _as_read(queryset: QuerySet[Any], aggregates: dict[str, Any]) -> Read:
    """The SELECT `queryset.aggregate(**aggregates)` runs, without running it.

    A constant annotation grouped on adds no GROUP BY (PostgreSQL gets a plain aggregate,
    one row even over no rows), the trick metrics.history uses for its windows too.
    """
    one_row = (
        queryset.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(**aggregates)
        .values(*aggregates)
    )
    sql, params = one_row.query.sql_with_params()
    resolved = one_row.query.annotation_select
    converters = {name: resolved[name] for name in aggregates}
    return Read(list(aggregates), sql, tuple(params), converters, one_row.db)


def _convert(connection: Any, expression: Any, value: Any) -> Any:
    """The value as Django's `aggregate()` returns it (its backend and field converters)."""
    if expression is None:
        return value
    converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
        connection
    )
    for converter in converters:
        value = converter(value, expression, connection)
    return value


class _Collect:
    """First pass: records each read, answers it with the aggregates' empty values."""

    lists_details = True

    def __init__(self) -> None:
        self.reads: list[Read] = []

    def aggregate(self, queryset: QuerySet[Any], aggregates: dict[str, Any]) -> dict[str, Any]:
        read = _as_read(queryset, aggregates)
        self.reads.append(read)
        return {name: empty_value(read.converters[name]) for name in read.names}

    def select(
        self, sql: str, params: Sequence[Any], names: list[str], alias: str
    ) -> dict[str, Any]:
        self.reads.append(Read(list(names), sql, tuple(params), dict.fromkeys(names), alias))
        return dict.fromkeys(names, 0)


class _Replay:
    """Second pass: answers the n-th read with the n-th part of the statement's row."""

    # The answers are in hand: a read's querysets and aggregates need not be built again.
    takes_builders = True
    lists_details = True

    def __init__(self, reads: list[Read], answers: list[dict[str, Any]]) -> None:
        self.reads, self.answers, self.position = reads, answers, 0

    def _next(self, names: Iterable[str]) -> dict[str, Any]:
        position, self.position = self.position, self.position + 1
        if position >= len(self.reads) or self.reads[position].names != list(names):
            raise ReadsDiffer(f"read {position} asks for {list(names)}")
        return self.answers[position]

    def aggregate(self, queryset: QuerySetOrBuilder, aggregates: dict[str, Any]) -> dict[str, Any]:
        return self._next(aggregates)

    def select(
        self, sql: str, params: Sequence[Any], names: list[str], alias: str
    ) -> dict[str, Any]:
        return self._next(names)


def _run(reads: list[Read]) -> list[dict[str, Any]]:
    """Every read in one statement; each read's {name: value}."""
    if not reads:
        return []
    parts = [f"({read.sql}) AS r{i}" for i, read in enumerate(reads)]
    # The parts are SQL Django compiled (or group_counts' constants); values are parameters.
    statement = "SELECT * FROM " + " CROSS JOIN ".join(parts)  # noqa: S608
    params = [param for read in reads for param in read.params]
    # Every read goes where the router sends it (the replica for a report or the dashboard
    # when one is configured); they were all compiled under the same routing.
    connection = connections[reads[0].alias]
    with connection.cursor() as cursor:
        # Just-in-time compiling the statement's hundreds of expressions costs more than
        # running them: 4.5 s with JIT, 2.7 s without, for the dashboard at 100,000
        # contacts (bench/kpis.py). Sent with the statement (Django binds parameters on
        # the client, so one round trip may carry two statements, run as one
        # transaction): LOCAL ends with that transaction, or with the caller's.
        cursor.execute(f"SET LOCAL jit = off; {statement}", params)
        cursor.nextset()
        row = list(cursor.fetchone())
    return answers_of(connection, reads, row)


def answers_of(connection: Any, reads: Sequence[Read], row: Sequence[Any]) -> list[dict[str, Any]]:
    """Each read's {name: value} from the one row of a statement that ran `reads` side by
    side (their columns in order), converted as Django's aggregate() converts them."""
    answers: list[dict[str, Any]] = []
    column = 0
    for read in reads:
        values = row[column : column + len(read.names)]
        column += len(read.names)
        answers.append(
            {
                name: _convert(connection, read.converters[name], value)
                for name, value in zip(read.names, values, strict=True)
            }
        )
    return answers


def _each(
    calls: Sequence[Callable[[], KpiResult]], source: "_Collect | _Replay"
) -> list[KpiResult]:
    token = aggregate_source.set(source)
    try:
        return [call() for call in calls]
    finally:
        aggregate_source.reset(token)


def compute_together(calls: Sequence[Callable[[], KpiResult]]) -> list[KpiResult]:
    """[call() for call in calls], their database reads made in one SQL statement.

    Each call is a KPI computation without arguments (`lambda: kpi.function(period,
    scope)`). Results equal the calls' own, without per-stage breakdowns (the dashboard
    shows none). Raises what a call raises (UnsupportedScope, …) and `ReadsDiffer` for a
    function whose reads depend on the numbers.
    """
    collect = _Collect()
    _each(calls, collect)
    answers = _run(collect.reads)
    return _each(calls, _Replay(collect.reads, answers))
