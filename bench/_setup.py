"""Shared start of every benchmark: a scratch PostgreSQL database, created and migrated.

    from bench._setup import setup, timed

    setup()  # before importing models
    from crm.models import Deal
    ...
    with timed("board, 50,000 deals"):
        ...

The database comes from DATABASE_URL (`make bench` sets it to goalpost_bench on local
PostgreSQL); `setup(database="board")` suffixes its name (goalpost_bench_board), so each
benchmark keeps its own rows and one does not wipe another's. Benchmarks bulk-insert and
wipe rows, so setup() refuses any database whose name does not contain "bench".

Each figure the issue's table asks for is also reported with `report(...)`: one JSON line
appended to the file named by BENCH_RESULTS, which `python -m bench._table` prints as the
ratio-vs-goal table at the end of `make bench`.
"""

import json
import os
import time
from contextlib import contextmanager

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/goalpost_bench"


def _ensure_database(url: str) -> None:
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if "bench" not in name:
        raise SystemExit(f"Refusing to benchmark in {name!r}: use a database named *bench*.")
    dsn = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**{k: v for k, v in dsn.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(*, flush: bool = True, database: str = "") -> None:
    """Point Django at the bench database, migrate it, and (by default) empty it.

    database: a suffix for this benchmark's own database (`goalpost_bench` + `_board`).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    base, _, query = os.environ["DATABASE_URL"].partition("?")
    # Already this benchmark's own database (DATABASE_URL=…/goalpost_bench_board): keep it.
    if database and not base.endswith(f"_{database}"):
        os.environ["DATABASE_URL"] = f"{base}_{database}" + (f"?{query}" if query else "")
    _ensure_database(os.environ["DATABASE_URL"])

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if flush:
        call_command("flush", verbosity=0, interactive=False)


@contextmanager
def timed(label: str):
    """Print how long the block took, in milliseconds, as `label: N ms`."""
    start = time.perf_counter()
    yield
    print(f"{label}: {(time.perf_counter() - start) * 1000:.1f} ms", flush=True)


def report(row: str, *, figure: str, goal: str, met: bool, floor: str = "", ratio: str = ""):
    """Record one row of the ratio-vs-goal table (and print it).

    row: the issue table's row ("board, 50,000 deals"); figure: what was measured
    ("63 ms, 9 queries"); floor: what it is compared with ("empty board 31 ms");
    ratio: figure over floor as the goal states it ("2.0x"); goal ("<= 2x"); met: whether
    this run meets it. Appended as JSON to $BENCH_RESULTS when set.
    """
    line = {"row": row, "figure": figure, "floor": floor, "ratio": ratio, "goal": goal}
    line["met"] = bool(met)
    print(
        f"RESULT {row}: {figure} | {floor} | {ratio} | goal {goal} | {'met' if met else 'NOT MET'}",
        flush=True,
    )
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
