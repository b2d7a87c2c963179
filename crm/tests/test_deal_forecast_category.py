"""Reps mark a deal commit, best case or pipeline: in the deal form and in a deals file."""

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


def test_the_deal_form_sets_the_category_and_keeps_it_when_left_out(client, manager):
    from crm.tests.factories import DealFactory

    _pipeline, stages = pipeline_with_stages(is_default=True)
    deal = DealFactory(stage=stages[0], owner=manager, title="Refit")
    client.force_login(manager)
    form = {
        "title": "Refit",
        "value": "100",
        "currency": "USD",
        "stage": stages[0].pk,
        "kind": "new",
    }

    response = client.post(f"/deals/{deal.pk}/edit/", {**form, "forecast_category": "commit"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.forecast_category == ForecastCategory.COMMIT

    assert client.post(f"/deals/{deal.pk}/edit/", form).status_code == 302
    deal.refresh_from_db()
    assert deal.forecast_category == ForecastCategory.COMMIT
