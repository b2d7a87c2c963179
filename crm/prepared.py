"""ORM queries compiled once per process and run again with other values: `Prepared`.

A domain-event handler reads the same few rows for every event: the event, the rules'
run history, the record with its related rows. Building and compiling those querysets
took Django longer than PostgreSQL took to answer them (about 0.75 ms of Python per query
against 0.1-0.5 ms in the database, bench/automation.py), and that handler's latency is
what a rep waits for before the call task shows up. `Prepared` builds its queryset once
per database alias, with probe values for its arguments, keeps Django's compiled SQL and
the compiler's description of the columns, and then runs that SQL with the real values,
turning the rows into model instances as Django's ModelIterable does (select_related
rows, annotations and field converters included).

It suits querysets whose SQL does not depend on the values passed (an id, a kind): each
is compiled twice, with two sets of probe values, and refused unless both give the same
SQL with only the probes' parameters changed, since a value that shapes the SQL (a
slice's bound, an empty list, None) would otherwise be baked in.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Values no caller passes, told apart from every other parameter of the query.
_PROBES: dict[type, Callable[[int], Any]] = {
    int: lambda index: 10**15 + index,
    str: lambda index: f"prepared-query-probe-{index}",
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, ...], ...]  # per argument: where it goes in params
    converters: tuple[tuple[int, tuple[list, Any]], ...]  # (column, (converters, expression))
    hydrate: Callable[[list[Any]], Model] | None  # None for a values() queryset


class Prepared:
    """A queryset built by `build(*args)`, compiled on first use per database alias.

    `arg_types`: the type of each argument (int or str). `first(*args)` gives the first
    model instance (or None), `rows(*args)` the rows as lists (a values() queryset's
    columns in their order). Raises ValueError on first use when an argument changes the
    SQL instead of filling a parameter.
    """

    def __init__(self, build: Callable[..., QuerySet], *arg_types: type):
        self._build = build
        self._probes = tuple(_PROBES[kind](index) for index, kind in enumerate(arg_types))
        self._model: type[Model] | None = None  # known once built (models load after imports)
        self._compiled: dict[str, _Compiled] = {}

    def first(self, *args: Any) -> Any:
        compiled, rows = self._run(args)
        assert compiled.hydrate is not None, "first() needs a queryset of model instances"
        return next((compiled.hydrate(row) for row in rows), None)

    def rows(self, *args: Any) -> list[list[Any]]:
        return list(self._run(args)[1])

    def _run(self, args: tuple[Any, ...]) -> tuple[_Compiled, Iterator[list[Any]]]:
        compiled, using = self._compiled_for_read()
        params = list(compiled.params)
        for places, value in zip(compiled.slots, args, strict=True):
            for place in places:
                params[place] = type(params[place])(value)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        return compiled, (_converted(row, compiled.converters, connection) for row in fetched)

    def _compiled_for_read(self) -> tuple[_Compiled, str]:
        queryset = None
        if self._model is None:  # the first use learns the model from its first build
            queryset = self._build(*self._probes)
            self._model = queryset.model
        using = router.db_for_read(self._model)
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = queryset if queryset is not None else self._build(*self._probes)
            compiled = self._compile(using, queryset.using(using))
        return compiled, using

    def _compile(self, using: str, queryset: QuerySet) -> _Compiled:
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        # Compiled again with other probes: the same SQL, with only the probes' places
        # changed, or an argument shapes the statement.
        again = tuple(
            _PROBES[type(probe)](len(self._probes) + i) for i, probe in enumerate(self._probes)
        )
        other_sql, other_params = (
            self._build(*again).using(using).query.get_compiler(using=using).as_sql()
        )
        slots = tuple(_places(params, probe) for probe in self._probes)
        expected = list(params)
        for places, value in zip(slots, again, strict=True):
            for place in places:
                expected[place] = type(params[place])(value)
        if other_sql != sql or list(other_params) != expected or not all(slots):
            raise ValueError(f"An argument of {self._build!r} shapes its SQL: not preparable.")
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            converters=tuple(compiler.get_converters(columns).items()),
            hydrate=_hydrator(compiler, using) if compiler.klass_info else None,
        )
        # Compiling twice in two threads at once only does the work twice.
        self._compiled[using] = compiled
        return compiled


def _places(params: tuple[Any, ...] | list[Any], probe: Any) -> tuple[int, ...]:
    """Where `probe` is among the parameters (a BigIntegerField's value is compiled as
    psycopg's Int8, an int subclass: filled in again as one)."""
    return tuple(
        i for i, value in enumerate(params) if isinstance(value, type(probe)) and value == probe
    )


def _converted(row: tuple[Any, ...], converters, connection) -> list[Any]:
    values = list(row)
    for position, (functions, expression) in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values


def _hydrator(compiler, using: str) -> Callable[[list[Any]], Model]:
    """A row → model instance function, as django.db.models.query.ModelIterable does it."""
    select, klass_info = compiler.select, compiler.klass_info
    annotations = tuple(compiler.annotation_col_map.items())
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    attnames = [column[0].target.attname for column in select[start:end]]
    # The django-stubs describe Django 6's signature (a fetch_mode argument).
    populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]

    def hydrate(row: list[Any]) -> Model:
        instance = model.from_db(using, attnames, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        for name, position in annotations:
            setattr(instance, name, row[position])
        return instance

    return hydrate
