"""POST /api/<resource>/bulk/: the same service as the lists, per role, 400 for bad input."""

import pytest

from crm.models import Activity, BulkAction, Deal, Role, Ticket
from crm.services.deals import deal_create
from crm.tests.factories import (
    ActivityFactory,
    ContactFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(rep, other_rep):
    stages = pipeline_with_stages(is_default=True)[1]
    mine = [deal_create(actor=rep, title=f"Mine {i}", stage=stages[0]) for i in range(2)]
    theirs = [deal_create(actor=other_rep, title=f"Theirs {i}", stage=stages[0]) for i in range(3)]
    return mine, theirs, stages


@pytest.mark.parametrize(
    ("role", "status", "changed", "forbidden"),
    [
        (Role.REP, 200, 0, 3),  # their own two already are theirs; the others' are skipped
        (Role.MANAGER, 200, 3, 0),
        (Role.ADMIN, 200, 3, 0),
        (Role.MARKETING, 403, None, None),
        (Role.SUPPORT, 403, None, None),
    ],
)
def test_reassign_deals_by_role(api_as, rep, deals, role, status, changed, forbidden):
    mine, theirs, _stages = deals
    actor = rep if role == Role.REP else UserFactory(role=role)
    response = api_as(actor).post(
        "/api/deals/bulk/",
        {"action": "reassign", "ids": [d.pk for d in mine + theirs], "params": {"owner": rep.pk}},
        format="json",
    )
    assert response.status_code == status, response.content
    if status != 200:
        assert not BulkAction.objects.exists()
        assert Deal.objects.filter(owner=rep).count() == 2
        return
    body = response.json()
    assert (body["changed"], body["skipped_forbidden"]) == (changed, forbidden)
    assert body["status"] == "done"


def test_rep_cannot_give_deals_away(api_as, rep, other_rep, deals):
    mine, _theirs, _stages = deals
    response = api_as(rep).post(
        "/api/deals/bulk/",
        {"action": "reassign", "ids": [d.pk for d in mine], "params": {"owner": other_rep.pk}},
        format="json",
    )
    assert response.status_code == 400
    assert "owner" in response.json()
    assert Deal.objects.filter(owner=rep).count() == 2


def test_filter_selects_and_undo_restores(api_as, manager, rep, other_rep, deals):
    _mine, _theirs, stages = deals
    client = api_as(manager)
    response = client.post(
        "/api/deals/bulk/",
        {
            "action": "move_stage",
            "filter": {"owner": str(other_rep.pk)},
            "params": {"stage": stages[3].pk},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] == 3 and body["can_undo"] is True
    assert {d.stage_id for d in Deal.objects.filter(owner=other_rep)} == {stages[3].pk}
    assert {d.stage_id for d in Deal.objects.filter(owner=rep)} == {stages[0].pk}

    assert api_as(rep).post(f"/api/bulk-actions/{body['id']}/undo/").status_code == 404
    undone = client.post(f"/api/bulk-actions/{body['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    assert {d.stage_id for d in Deal.objects.all()} == {stages[0].pk}
    assert client.post(f"/api/bulk-actions/{body['id']}/undo/").status_code == 400


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "explode", "ids": [1]}, "action"),
        ({"action": "delete", "ids": []}, "ids"),
        ({"action": "delete", "ids": ["x"]}, "ids"),
        ({"action": "delete", "ids": [2**40]}, "ids"),
        ({"action": "delete"}, "non_field_errors"),
        ({"action": "delete", "ids": [1], "filter": {}}, "non_field_errors"),
        ({"action": "reassign", "ids": [1]}, "owner"),
        ({"action": "reassign", "ids": [1], "params": {"owner": 999999}}, "owner"),
        ({"action": "move_stage", "ids": [1], "params": {}}, "stage"),
        ({"action": "mark_done", "ids": [1]}, "kind"),
        ({"action": "delete", "filter": {"value_min": "lots"}}, "filter"),
        ({"action": "delete", "filter": {"status": "sideways"}}, "filter"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(api_as, manager, deals, payload, field):
    response = api_as(manager).post("/api/deals/bulk/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not BulkAction.objects.exists()


def test_activities_tickets_and_contacts_by_role(
    api_as, rep, other_rep, support_agent, manager, marketer
):
    mine = ActivityFactory(assignee=rep)
    theirs = ActivityFactory(assignee=other_rep)
    done = api_as(rep).post(
        "/api/activities/bulk/", {"action": "mark_done", "ids": [mine.pk, theirs.pk]}, format="json"
    )
    assert (done.json()["changed"], done.json()["skipped_forbidden"]) == (1, 1)
    assert Activity.objects.get(pk=theirs.pk).done_at is None

    ticket = TicketFactory(assignee=None)
    for user, expected in ((rep, 403), (marketer, 403), (support_agent, 200), (manager, 200)):
        response = api_as(user).post(
            "/api/tickets/bulk/",
            {"action": "reassign", "ids": [ticket.pk], "params": {"owner": support_agent.pk}},
            format="json",
        )
        assert response.status_code == expected, (user.role, response.content)
    assert Ticket.objects.get(pk=ticket.pk).assignee == support_agent

    contact = ContactFactory(owner=other_rep)
    tagged = api_as(rep).post(
        "/api/contacts/bulk/",
        {"action": "tag_add", "ids": [contact.pk], "params": {"tag": "vip"}},
        format="json",
    )
    # A rep edits only the contacts they own (or nobody owns).
    assert tagged.json()["skipped_forbidden"] == 1
    assert (
        api_as(marketer)
        .post("/api/contacts/bulk/", {"action": "delete", "ids": [contact.pk]}, format="json")
        .status_code
        == 403
    )
