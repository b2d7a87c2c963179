"""A deals file sets the forecast category reps mark, by value or by its label."""

import pytest

from crm.models import Deal, ForecastCategory
from crm.tests.factories import pipeline_with_stages
from crm.tests.test_import_jobs import make_job, report_lines, start_and_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_deals_import_their_forecast_category(manager):
    pipeline_with_stages(is_default=True)
    rows = [
        ["title", "value", "forecast_category"],
        ["Refit", "100", "commit"],
        ["Dock", "200", "Best case"],
        ["Mast", "300", ""],
        ["Keel", "400", "certain"],
    ]
    job = make_job(manager, "deals", rows)

    start_and_run(job, manager)

    assert dict(Deal.objects.values_list("title", "forecast_category")) == {
        "Refit": ForecastCategory.COMMIT,
        "Dock": ForecastCategory.BEST_CASE,
        "Mast": ForecastCategory.PIPELINE,
    }
    assert [line[:2] for line in report_lines(job)[1:]] == [["5", "forecast_category"]]
