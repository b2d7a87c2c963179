"""Shared start of every benchmark: a scratch PostgreSQL database, created and migrated.

    from bench._setup import setup, timed

    setup()  # before importing models
    from crm.models import Deal
    ...
    with timed("board, 50,000 deals"):
        ...

The database comes from DATABASE_URL (`make bench` sets it to goalpost_bench on local
PostgreSQL). Benchmarks bulk-insert and wipe rows, so setup() refuses any database whose
name does not contain "bench".
"""

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


def setup(*, flush: bool = True) -> None:
    """Point Django at the bench database, migrate it, and (by default) empty it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
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
