"""Handing work to a Celery worker once the caller's transaction has committed.

The one place that knows the habit: register the hand-over with `transaction.on_commit`
(a worker must not read rows that may still roll back), and never let a broker outage
fail the request. What was committed stays the record of the work to do; each caller has
a sweep, tick or "resume" that hands lost work over again, so a refused hand-over is
logged (with its traceback) and dropped.
"""

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task.delay(*args, **kwargs)` after the current transaction commits.

    `task` is a Celery task (anything with `.name` and `.delay`). Outside a transaction
    (autocommit) it is enqueued at once; when the transaction rolls back it never is.
    A broker error is logged, not raised: see `enqueue_now`.
    """
    transaction.on_commit(lambda: enqueue_now(task, *args, **kwargs))


def enqueue_now(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Enqueue `task.delay(*args, **kwargs)`; False (a logged warning) when the broker
    refused it.

    For sweeps that hand committed work over again, and for `enqueue_on_commit`. Any
    exception is caught: kombu's OperationalError, redis' ConnectionError and the
    socket errors under them have no common base, and whichever it is, the sweep retries.
    """
    try:
        task.delay(*args, **kwargs)
    except Exception:
        logger.warning(
            "Could not enqueue %s%s; the committed work is handed over again later",
            task.name,
            _call_text(args, kwargs),
            exc_info=True,
        )
        return False
    return True


def _call_text(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"({', '.join(parts)})"
