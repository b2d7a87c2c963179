"""A large selection runs in a real Celery worker (Redis, not eager) and reports progress."""

import pytest
from django.urls import reverse

from automation.tests.fixtures import wait_until
from crm.models import BulkAction, BulkStatus, Deal
from crm.services.deals import deal_create
from crm.tests.factories import pipeline_with_stages

pytestmark = pytest.mark.django_db(transaction=True)


def test_large_bulk_reassign_is_queued_and_finished_by_the_worker(
    celery_worker_thread, api_as, client, manager, rep, monkeypatch
):
    monkeypatch.setattr("crm.services.bulk.SYNC_LIMIT", 3)
    monkeypatch.setattr("crm.services.bulk.BATCH_SIZE", 2)
    stages = pipeline_with_stages(is_default=True)[1]
    deals = [deal_create(actor=rep, title=f"D{i}", stage=stages[0]) for i in range(7)]

    response = api_as(manager).post(
        "/api/deals/bulk/",
        {"action": "reassign", "ids": [d.pk for d in deals], "params": {"owner": manager.pk}},
        format="json",
    )

    assert response.status_code == 202, response.content
    bulk_id = response.json()["id"]
    wait_until(
        lambda: BulkAction.objects.get(pk=bulk_id).status == BulkStatus.DONE,
        message="the worker to finish the bulk action",
    )
    bulk = BulkAction.objects.get(pk=bulk_id)
    assert (bulk.processed, bulk.changed, bulk.percent) == (7, 7, 100)
    assert Deal.objects.filter(owner=manager).count() == 7
    client.force_login(manager)
    page = client.get(reverse("web:bulk_detail", args=[bulk_id])).content.decode()
    assert "7 reassigned." in page and "Undo" in page


def test_progress_page_polls_while_queued(client, manager):
    bulk = BulkAction.objects.create(
        actor=manager, resource="deals", kind="reassign", ids=[1, 2, 3], processed=1
    )
    client.force_login(manager)
    html = client.get(reverse("web:bulk_detail", args=[bulk.pk]), {"partial": "1"}).content
    html = html.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="33"' in html
    assert "1 of 3 records processed" in html
