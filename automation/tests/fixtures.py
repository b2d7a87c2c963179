"""A real Celery worker on Redis for tests (not eager mode), in a thread or a process."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from celery.signals import task_postrun
from django.conf import settings
from django.utils import timezone

from crm.celery import app
from crm.models import DomainEventReceipt
from crm.services.events import events_pending_for

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, *, timeout=60.0, interval=0.1, message="condition"):
    """Poll `predicate` until it is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout}s waiting for {message}")


def events_unhandled() -> int:
    """(event, handler) pairs still waiting for their handler's receipt, whatever their age
    (the sweep closes events later; tests wait for the handlers themselves)."""
    later = timezone.now() + timedelta(days=1)
    return sum(
        events_pending_for(handler=handler, older_than=later).count()
        for handler in settings.GOALPOST_DOMAIN_EVENT_HANDLERS
    )


def run_on_thread_worker(task, *args, timeout: float = 60.0) -> None:
    """Send `task(*args)` to the thread worker of this process and return once it has run.

    A test asserting that a task changed nothing must know the task ran; a fixed sleep
    only guesses (too short on a busy machine, wasted on a quiet one). The worker's
    `task_postrun` signal fires in this process, keyed by the id given to the message.
    """
    sent_id = str(uuid.uuid4())
    ran = threading.Event()

    def finished(sender=None, task_id=None, **kwargs):
        if task_id == sent_id:
            ran.set()

    task_postrun.connect(finished, weak=False)
    try:
        task.apply_async(args, task_id=sent_id)
        if not ran.wait(timeout):
            pytest.fail(f"Timed out after {timeout}s waiting for {task.name} to run")
    finally:
        task_postrun.disconnect(finished)


def events_handled_by(handler: str) -> int:
    """How many events `handler` (a task name) has recorded as processed."""
    return DomainEventReceipt.objects.filter(handler=handler).count()


@contextmanager
def thread_worker(*, pool="solo", concurrency=1):
    """Celery's test worker in a thread of this process: monkeypatches reach its tasks."""
    from celery.contrib.testing.worker import start_worker

    app.control.purge()  # messages left by earlier tests point at flushed rows
    with start_worker(
        app,
        pool=pool,
        concurrency=concurrency,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ) as worker:
        yield worker


class ProcessWorker:
    """`celery -A crm worker` as a subprocess on this test database, so it can be killed."""

    def __init__(self, *, concurrency=2):
        db = settings.DATABASES["default"]
        # Not an xdist process itself: without PYTEST_XDIST_WORKER its settings take
        # REDIS_URL as given (this test process's own db), not the db below it.
        inherited = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
        self.env = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "automation.tests.worker_settings",
            "DATABASE_URL": (f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"),
            "REDIS_URL": settings.CELERY_BROKER_URL,
        }
        self.concurrency = concurrency
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable, "-m", "celery", "-A", "crm", "worker",
                "--pool=prefork", f"--concurrency={self.concurrency}",
                "--without-heartbeat", "--without-mingle", "--without-gossip",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,  # its own process group: killable with its children
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def pool_children(self) -> list[int]:
        out = subprocess.run(  # noqa: S603
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_child(self):
        """SIGKILL one pool process: the parent sees the worker lost and requeues."""
        children = self.pool_children()
        if children:
            os.kill(children[0], signal.SIGKILL)

    def kill(self):
        """SIGKILL the whole worker (parent and pool), as a crashed machine would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            # The pool processes die with the group but are reaped by init, not by us:
            # a restart before they are gone could meet their half-closed connections.
            wait_until(self._group_gone, timeout=30, message="the killed worker's pool to exit")

    def _group_gone(self) -> bool:
        """No live process (zombies aside: whoever reaps them may be slow) in its group."""
        out = subprocess.run(
            ["ps", "-eo", "pgid=,stat="],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout
        rows = (line.split() for line in out.splitlines())
        return not any(int(pgid) == self.process.pid and stat[0] != "Z" for pgid, stat in rows)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
