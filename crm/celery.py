import os

from celery import Celery
from celery.signals import celeryd_init, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("goalpost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fixup closes every database connection before and after each task unless
# CELERY_DB_REUSE_MAX (a count of tasks) is set; it reads it before any worker signal, so
# it is set here. Opening a PostgreSQL connection takes 10-20 ms on a busy machine, longer
# than handling a domain event (bench/automation.py). Django's close_old_connections
# decides instead, around every task as around a web request: it drops a broken
# connection and one older than CONN_MAX_AGE (0 unless raised below: closed as before).
app.conf["CELERY_DB_REUSE_MAX"] = 2**62  # never close by count

# Seconds a `celery worker` keeps a database connection open across tasks.
WORKER_CONN_MAX_AGE = 300


def _close_old_connections(sender=None, **_kwargs) -> None:
    from django.db import close_old_connections

    # An eager task runs inside its caller's transaction: its connection is not ours.
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


task_prerun.connect(_close_old_connections, dispatch_uid="crm-db-prerun")
task_postrun.connect(_close_old_connections, dispatch_uid="crm-db-postrun")


@celeryd_init.connect
def keep_database_connections(**_kwargs) -> None:
    """A worker started by `celery worker` keeps its connections WORKER_CONN_MAX_AGE s.

    A database with psycopg's pool (OPTIONS["pool"], which Django allows only with
    CONN_MAX_AGE 0) keeps that 0: close_old_connections then hands the connection back to
    the pool after each task instead of closing it. The test suite's in-process workers
    do not send this signal, so their connections close after every task as before.
    """
    from django.conf import settings

    for database in settings.DATABASES.values():
        if not database.get("OPTIONS", {}).get("pool"):
            database["CONN_MAX_AGE"] = WORKER_CONN_MAX_AGE
