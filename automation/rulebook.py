"""The enabled rules per event kind, read once per process and again when the rules change.

A worker handles every event with the same few rules; reading and decoding them for each
event is wasted work. `rules_version()` is an SQL expression the event's own query carries,
so checking that the cache is current costs no extra round trip: the md5 of every rule
row's (id, xmin, ctid). Any committed INSERT, UPDATE (through `save()` or a queryset's
`update()`, which leaves `updated_at` alone) or DELETE changes it, because PostgreSQL
writes an updated row as a new tuple with the writing transaction's id (xmin) at a new
place (ctid); the next event then reloads the rules. A change the cache does not need
(VACUUM FULL moving rows) only costs one reload.
"""

import threading

from django.db.models.expressions import RawSQL

from .models import Rule

_lock = threading.Lock()
_cache: dict = {"version": None, "by_kind": {}}


VERSION_SQL = (
    "SELECT md5(coalesce(string_agg("
    "r.id::text || ':' || r.xmin::text || ':' || r.ctid::text, ',' ORDER BY r.id), ''))"
    ' FROM "automation_rule" r'
)


def rules_version() -> RawSQL:
    """An expression for the rules table's version (a 32-character hex string)."""
    # Constant SQL, no parameters: nothing a client sends reaches it.
    return RawSQL(VERSION_SQL, [])  # noqa: S611


def _by_kind(rules: list[Rule]) -> dict[str, list[Rule]]:
    by_kind: dict[str, list[Rule]] = {}
    for rule in rules:
        for kind in dict.fromkeys(rule.triggers):
            by_kind.setdefault(kind, []).append(rule)
    return by_kind


def enabled_rules(kind: str, *, version: str) -> list[Rule]:
    """Enabled rules listening to `kind`, in id order, as of `version` (rules_version()).

    The rows are shared by every thread of the worker: callers read them, never change them.
    """
    with _lock:
        if _cache["version"] != version:
            rules = list(Rule.objects.enabled().order_by("pk"))
            _cache.update(version=version, by_kind=_by_kind(rules))
        return _cache["by_kind"].get(kind, [])
