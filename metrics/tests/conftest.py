from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from metrics.scopes import Period


def at(day: str, hour: int = 12) -> datetime:
    """An aware moment on `day` (YYYY-MM-DD) in the project's time zone."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time()).replace(
        hour=hour, tzinfo=ZoneInfo(settings.TIME_ZONE)
    )


@pytest.fixture
def june():
    return Period(date(2025, 6, 1), date(2025, 7, 1))


@pytest.fixture
def celery_eager():
    """Tasks the code under test sends (a group's too) run at once, in this thread and
    this test's transaction, with their exceptions raised (Celery's eager mode)."""
    from crm.celery import app

    names = ("task_always_eager", "task_eager_propagates")
    before = {name: app.conf[name] for name in names}
    app.conf.update(dict.fromkeys(names, True))
    yield
    app.conf.update(before)
