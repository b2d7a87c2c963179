"""Bulk actions from the list pages: query counts with the new column, per-row refusal,
the confirm step, bad input as a message (never a 500), and the result page's undo."""

import pytest
from django.urls import reverse

from crm.models import BulkAction, Deal
from crm.services.deals import deal_create
from crm.tests.factories import (
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db


def _fill(resource, n, stages, owner):
    for _ in range(n):
        other = UserFactory()
        if resource == "deals":
            deal_create(actor=owner, title="D", stage=stages[0], owner=other)
        elif resource == "leads":
            LeadFactory(owner=other)
        elif resource == "contacts":
            ContactFactory(owner=other)
        elif resource == "activities":
            ActivityFactory(assignee=other)
        else:
            TicketFactory(assignee=other, contact=ContactFactory(owner=other))


LIST_URLS = {
    "deals": "web:deal_list",
    "leads": "web:lead_list",
    "contacts": "web:contact_list",
    "activities": "web:activity_list",
    "tickets": "web:ticket_list",
}


@pytest.mark.parametrize("resource", list(LIST_URLS))
def test_list_with_bulk_column_has_constant_queries(
    client, manager, resource, django_assert_max_num_queries
):
    stages = pipeline_with_stages(is_default=True)[1]
    client.force_login(manager)
    url = reverse(LIST_URLS[resource])
    _fill(resource, 3, stages, manager)
    with django_assert_max_num_queries(20) as few:
        html = client.get(url).content.decode()
    assert 'form="bulk-form"' in html and 'id="bulk-form"' in html
    _fill(resource, 20, stages, manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("data-bulk-row") >= 20


def test_readers_without_write_get_no_bulk_column(client, marketer):
    ContactFactory()
    client.force_login(marketer)
    assert "bulk-form" not in client.get(reverse("web:contact_list")).content.decode()


def test_confirm_then_run_skips_deals_a_rep_does_not_own(client, rep, other_rep):
    stages = pipeline_with_stages(is_default=True)[1]
    mine = deal_create(actor=rep, title="Mine", stage=stages[0])
    theirs = deal_create(actor=other_rep, title="Theirs", stage=stages[0])
    client.force_login(rep)
    data = {
        "kind": "move_stage",
        "stage": stages[1].pk,
        "ids": [mine.pk, theirs.pk],
        "filter": "q=x",
    }
    confirm = client.post(reverse("web:bulk_apply", args=["deals"]), data)
    assert confirm.status_code == 200
    assert "2 selected records" in confirm.content.decode()
    assert not BulkAction.objects.exists()

    done = client.post(reverse("web:bulk_apply", args=["deals"]), {**data, "confirm": "1"})
    bulk = BulkAction.objects.get()
    assert done.url == reverse("web:bulk_detail", args=[bulk.pk])
    page = client.get(done.url).content.decode()
    assert "1 moved, 1 skipped: you may not edit it." in page
    assert Deal.objects.get(pk=theirs.pk).stage_id == stages[0].pk

    undone = client.post(reverse("web:bulk_undo", args=[bulk.pk]))
    assert undone.url == reverse("web:deal_list") + "?q=x"
    assert Deal.objects.get(pk=mine.pk).stage_id == stages[0].pk
    client.force_login(other_rep)
    assert client.get(reverse("web:bulk_detail", args=[bulk.pk])).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "explode", "ids": ["1"]},
        {"kind": "reassign", "ids": ["1"], "owner": "nobody"},
        {"kind": "delete", "ids": ["x", "99999999999999"]},
        {"kind": "delete"},
        {"kind": "delete", "all_matching": "1", "filter": "stage=abc&owner=%00"},
    ],
)
def test_bad_input_is_a_message_not_a_500(client, manager, data):
    pipeline_with_stages(is_default=True)
    client.force_login(manager)
    response = client.post(reverse("web:bulk_apply", args=["deals"]), {**data, "confirm": "1"})
    assert response.status_code in (200, 302)
    assert not BulkAction.objects.filter(changed__gt=0).exists()


def test_unknown_resource_and_readers(client, marketer):
    client.force_login(marketer)
    assert client.post(reverse("web:bulk_apply", args=["spaceships"])).status_code == 404
    assert client.post(reverse("web:bulk_apply", args=["deals"])).status_code == 403
