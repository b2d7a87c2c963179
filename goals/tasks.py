"""Celery tasks of the goals app: thin wrappers over `goals.services`."""

from celery import shared_task

from goals import services


@shared_task(ignore_result=True, acks_late=True)
def goals_recompute_nightly_task():
    """After the nightly KPI snapshots: refresh every goal still in play.

    Idempotent: a rerun stores the same readings and notifies nobody twice, because a
    notice goes out only on the transition into off track.
    """
    services.goals_recompute_all()
