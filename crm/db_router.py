"""Reports and KPI reads on a read replica, everything else on the primary.

With DATABASE_REPLICA_URL set, settings add a "replica" alias and this router; code that
only reads (a report page, the dashboard, the KPI API, the nightly snapshots' KPI
computations) runs inside `reading_from_replica()`, and the router sends its reads there:

    with reading_from_replica():
        rows = reports.sales_performance(period)

    @reading_from_replica()
    def report_sales(request): ...

Writes always go to the primary ("default"). A read inside a transaction on the primary
stays on the primary too: the transaction may have written rows the replica has not
seen (or will never see, if it rolls back), and a replica lags by up to its replay delay
anyway. Without the setting there is no replica alias, the router is not installed and
`reading_from_replica()` changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"

# A context variable, not a thread-local: each request, task or async task has its own.
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Send the ORM's reads in this block (or decorated function) to the replica alias,
    where the router is installed; nests, and restores the previous state on exit."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_in_use() -> bool:
    """Whether a read issued now would go to the replica (when the router is installed)."""
    return _reading_from_replica.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """Reads inside `reading_from_replica()` to "replica", every other query to "default".

    Installed by settings only when DATABASE_REPLICA_URL is set (DATABASE_ROUTERS).
    """

    def db_for_read(self, model, **hints) -> str:
        # Explicitly default outside the block: a row read from the replica must not drag
        # later lazy loads there through Django's instance hint.
        return REPLICA_DB_ALIAS if replica_in_use() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # One database under two names: a row read from either may point at the other's.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica replays the primary's schema; migrating it would fail (read-only).
        return db == DEFAULT_DB_ALIAS
