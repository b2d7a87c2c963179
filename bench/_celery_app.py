"""The project's Celery app plus what the automation bench needs: results and a no-op.

Both the bench process and its worker subprocess load this module (`celery -A
bench._celery_app worker`), so the no-op task is registered on both sides and its result
comes back through Redis, the broker the bench runs on. Nothing else changes: the domain
event handlers are the project's own tasks, configured as in production.
"""

import os

from crm.celery import app

# The project ignores task results (CELERY_TASK_IGNORE_RESULT); a round trip needs one.
app.conf.result_backend = os.environ["REDIS_URL"]


@app.task(name="bench.noop", ignore_result=False)
def noop() -> None:
    """Does nothing: its round trip is the floor every event handler pays."""


__all__ = ["app", "noop"]
