"""Automation latency: a deal's commit to its call task, next to a Celery no-op round trip.

A real Celery worker (a subprocess, `--pool=threads --concurrency=2` as `make run` starts
it) consumes from Redis. For each of 200 rounds the bench times

- a no-op round trip: `noop.delay().get()` (send, run, result back through Redis), and
- a $600 deal created through `crm.services.deals.deal_create` in its own transaction,
  from the moment that transaction commits (an on_commit callback registered before the
  deal's own, so it runs first) until the seeded rule's call task is visible in the
  database: a trigger the bench adds to its own database NOTIFYs at the task's commit and
  the bench waits on LISTEN, as `.get()` waits on Redis, instead of polling (a query a
  millisecond took CPU from the worker it measures: `--poll` measures that way).

Each round waits for the deal's event to be processed before the next one starts, so the
figures are latency, not queueing. Medians are the same-run comparison the issue asks for:
the ratio is p95 deal → task over p95 no-op, goal at most 2 (the issue's ≤ 2x).

    make bench BENCH=automation
    python -m bench.automation   # DATABASE_URL defaults to goalpost_bench (…_autolat used)

Redis: REDIS_URL if set, else db 11 of 127.0.0.1:6379 (purged at the start).
"""

import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")

from bench._setup import report, setup

setup(database="autolat")

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from automation.defaults import default_rules_seed  # noqa: E402
from bench._celery_app import app, noop  # noqa: E402
from crm.models import Activity, Contact, DomainEvent, Pipeline, Role, Stage, User  # noqa: E402
from crm.services.deals import deal_create  # noqa: E402

ROUNDS = 200
WARMUP = 10
# Polling faster only adds a busy PostgreSQL backend to the machine the worker runs on.
POLL_SECONDS = 0.001
POLL = "--poll" in sys.argv
CHANNEL = "bench_automation_task"
# Bench database only: every call task of a deal announces its commit (as the poll's query).
NOTIFY_SQL = f"""
CREATE OR REPLACE FUNCTION bench_automation_task_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', NEW.deal_id::text);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS bench_automation_task_notify ON crm_activity;
CREATE TRIGGER bench_automation_task_notify AFTER INSERT ON crm_activity FOR EACH ROW
    WHEN (NEW.kind = 'call' AND NEW.deal_id IS NOT NULL)
    EXECUTE FUNCTION bench_automation_task_notify();
"""
TIMEOUT_SECONDS = 30
GOAL_RATIO = 2.0
ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 → p95) of the values, in their unit."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def world() -> tuple[User, Pipeline]:
    """The seeded rules, a rep who owns the deals and a default pipeline."""
    default_rules_seed()
    rep = User.objects.create(username="autolat-rep", role=Role.REP, first_name="Rey")
    pipeline = Pipeline.objects.create(name="Automation bench", is_default=True)
    for position, name in enumerate(("Qualified", "Proposal", "Closing")):
        Stage.objects.create(pipeline=pipeline, name=name, position=position)
    if not POLL:
        with connection.cursor() as cursor:
            cursor.execute(NOTIFY_SQL)
    return rep, pipeline


def listener():
    """A connection of its own that hears every task commit (None with --poll)."""
    if POLL:
        return None
    import psycopg

    db = settings.DATABASES["default"]
    conn = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    )
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def wait_for_notify(conn, deal_id: int) -> None:
    for notify in conn.notifies(timeout=TIMEOUT_SECONDS):
        if notify.payload == str(deal_id):
            return
    raise SystemExit(f"Timed out after {TIMEOUT_SECONDS}s waiting for the task of deal {deal_id}")


def start_worker() -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "bench._celery_app", "worker",
            "--pool=threads", "--concurrency=2",
            "--without-heartbeat", "--without-mingle", "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: stopped with its children
        stdout=subprocess.DEVNULL,  # the banner; warnings and errors still show
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, 15)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, 9)
        worker.wait(timeout=10)


def noop_round_trip() -> float:
    """Seconds from `delay()` to the result in hand."""
    started = time.perf_counter()
    noop.delay().get(timeout=TIMEOUT_SECONDS)
    return time.perf_counter() - started


def wait_for(predicate, *, what: str) -> None:
    deadline = time.perf_counter() + TIMEOUT_SECONDS
    while not predicate():
        if time.perf_counter() > deadline:
            raise SystemExit(f"Timed out after {TIMEOUT_SECONDS}s waiting for {what}")
        time.sleep(POLL_SECONDS)


def deal_to_task(rep: User, contact: Contact, index: int, heard) -> float:
    """Seconds from the deal's commit to its call task being visible."""
    committed = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        deal = deal_create(
            actor=rep, title=f"Latency {index}", value=Decimal("600"), contact=contact
        )
    if heard is None:
        calls = Activity.objects.filter(deal_id=deal.pk, kind="call")
        wait_for(calls.exists, what=f"the call task of deal {deal.pk}")
    else:
        wait_for_notify(heard, deal.pk)
    latency = time.perf_counter() - committed[0]
    # The next round starts on an idle worker: the event's other rule and marketing done.
    event = DomainEvent.objects.filter(subject_id=deal.pk, kind="deal.created")
    wait_for(event.filter(receipts__isnull=False).exists, what=f"event of deal {deal.pk}")
    return latency


def measure(rep: User, contacts: list[Contact]) -> tuple[list[float], list[float]]:
    noops, deals = [], []
    heard = listener()
    for index, contact in enumerate(contacts):
        noop_seconds = noop_round_trip()
        deal_seconds = deal_to_task(rep, contact, index, heard)
        if index >= WARMUP:
            noops.append(noop_seconds * 1000)
            deals.append(deal_seconds * 1000)
    return noops, deals


def main() -> None:
    rep, _pipeline = world()
    contacts = Contact.objects.bulk_create(
        Contact(first_name=f"Lat{i}", last_name="Bench", owner=rep, email=f"lat{i}@x.test")
        for i in range(ROUNDS + WARMUP)
    )
    connection.close()  # the worker's migrations check and ours never share a session
    app.control.purge()
    worker = start_worker()
    try:
        noops, deals = measure(rep, contacts)
    finally:
        stop_worker(worker)
    noop_p50, noop_p95 = statistics.median(noops), percentile(noops, 0.95)
    deal_p50, deal_p95 = statistics.median(deals), percentile(deals, 0.95)
    print(f"celery no-op round trip: p50 {noop_p50:.1f} ms, p95 {noop_p95:.1f} ms")
    print(f"waiting for the task by {'polling' if POLL else 'LISTEN/NOTIFY'}")
    print(f"deal commit → call task: p50 {deal_p50:.1f} ms, p95 {deal_p95:.1f} ms")
    ratio = deal_p95 / noop_p95
    report(
        "automation: deal commit → call task, p95",
        figure=f"p50 {deal_p50:.0f} ms, p95 {deal_p95:.0f} ms",
        floor=f"Celery no-op p95 {noop_p95:.0f} ms",
        ratio=f"{ratio:.1f}×",
        goal=f"≤ {GOAL_RATIO:.0f}×",
        met=ratio <= GOAL_RATIO,
    )


if __name__ == "__main__":
    main()
