"""A real Celery worker on Redis for tests (not eager mode), in a thread or a process."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
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
        self.env = {
            **os.environ,
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

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
