import os

from celery import Celery
from celery.signals import celeryd_init, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("goalpost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Seconds a worker keeps a database connection open across tasks (Django's CONN_MAX_AGE).
WORKER_CONN_MAX_AGE = 300


@celeryd_init.connect
def keep_database_connections(**_kwargs) -> None:
    """A worker started by `celery worker` reuses its database connections between tasks.

    Celery's Django fixup closes every connection before and after each task unless its
    CELERY_DB_REUSE_MAX (a count of tasks) is set; opening a PostgreSQL connection takes
    10-20 ms on a busy machine, longer than handling a domain event (bench/automation.py).
    Instead a connection lives WORKER_CONN_MAX_AGE seconds and Django's own
    close_old_connections drops it before and after a task once it is older or broken,
    as it does around a web request. A database with psycopg's pool (OPTIONS["pool"],
    which Django allows only with CONN_MAX_AGE 0) keeps that 0: the same call then
    hands the connection back to the pool after each task instead of closing it. The
    test suite's in-process workers keep Celery's default: they do not send this signal.
    """
    from django.conf import settings
    from django.db import close_old_connections

    app.conf["CELERY_DB_REUSE_MAX"] = 2**62  # never close by count
    for database in settings.DATABASES.values():
        if not database.get("OPTIONS", {}).get("pool"):
            database["CONN_MAX_AGE"] = WORKER_CONN_MAX_AGE
    task_prerun.connect(close_old_connections, weak=False, dispatch_uid="db-prerun")
    task_postrun.connect(close_old_connections, weak=False, dispatch_uid="db-postrun")
