"""The settings API: lost reasons, SLA targets, stage order, stage/team deletes, deactivate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Deal, SlaTarget, Team, User
from crm.services.support import ticket_open
from crm.services.workspace import workspace_defaults_seed
from crm.tests.factories import DealFactory, TeamFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db):
    # A transactional test earlier in the run flushes the rows migration 0012 seeded.
    workspace_defaults_seed()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("rep", 200, 403),
        ("manager", 200, 403),
        ("marketing", 200, 403),
        ("support", 200, 403),
        ("admin", 200, 200),
    ],
)
def test_sla_targets_read_by_all_changed_by_admins(role, read, write, make_user, api_as):
    client = api_as(make_user(role, username=f"sla-{role}"))
    listed = client.get("/api/sla-targets/")
    assert listed.status_code == read
    assert {row["priority"] for row in listed.data} == {"urgent", "high", "normal", "low"}
    target = SlaTarget.objects.get(priority="normal")
    response = client.patch(
        f"/api/sla-targets/{target.pk}/", {"resolution_hours": 30}, format="json"
    )
    assert response.status_code == write
    assert client.post("/api/sla-targets/", {}, format="json").status_code in (403, 405)


def test_sla_target_update_feeds_new_tickets_and_refuses_nonsense(admin_user, api_as):
    client = api_as(admin_user)
    target = SlaTarget.objects.get(priority="urgent")
    bad = client.patch(
        f"/api/sla-targets/{target.pk}/", {"first_response_hours": 99}, format="json"
    )
    assert bad.status_code == 400
    assert "first_response_hours" in bad.data
    zero = client.patch(f"/api/sla-targets/{target.pk}/", {"resolution_hours": 0}, format="json")
    assert zero.status_code == 400
    ok = client.patch(
        f"/api/sla-targets/{target.pk}/",
        {"first_response_hours": 1, "resolution_hours": 2},
        format="json",
    )
    assert ok.status_code == 200
    opened = timezone.now()
    ticket = ticket_open(actor=admin_user, subject="Down", priority="urgent", opened_at=opened)
    assert ticket.sla_due_at == opened + timedelta(hours=2)


def test_lost_reasons_api_round_trip(admin_user, rep, api_as):
    client = api_as(admin_user)
    created = client.post("/api/lost-reasons/", {"name": "Went quiet"}, format="json")
    assert created.status_code == 201
    assert created.data["position"] == 6
    duplicate = client.post("/api/lost-reasons/", {"name": "Went quiet"}, format="json")
    assert duplicate.status_code == 400
    assert api_as(rep).get("/api/lost-reasons/").status_code == 200
    assert api_as(rep).delete(f"/api/lost-reasons/{created.data['id']}/").status_code == 403
    assert client.delete(f"/api/lost-reasons/{created.data['id']}/").status_code == 204


def test_stage_order_action(admin_user, manager, api_as):
    pipeline, stages = pipeline_with_stages()
    order = [s.pk for s in reversed(stages)]
    url = f"/api/pipelines/{pipeline.pk}/stage-order/"
    assert api_as(manager).post(url, {"stages": order}, format="json").status_code == 403
    response = api_as(admin_user).post(url, {"stages": order}, format="json")
    assert response.status_code == 200
    assert [s["id"] for s in response.data["stages"]] == order
    partial = api_as(admin_user).post(url, {"stages": order[:2]}, format="json")
    assert partial.status_code == 400


def test_stage_with_deals_is_not_deleted_through_the_api(admin_user, api_as):
    _pipeline, stages = pipeline_with_stages()
    DealFactory(stage=stages[0])
    response = api_as(admin_user).delete(f"/api/stages/{stages[0].pk}/")
    assert response.status_code == 400
    assert "1 deal is in this stage" in str(response.data)
    assert api_as(admin_user).delete(f"/api/stages/{stages[1].pk}/").status_code == 204


def test_team_with_members_is_not_deleted_through_the_api(admin_user, rep, api_as):
    team = TeamFactory()
    rep.team = team
    rep.save()
    response = api_as(admin_user).delete(f"/api/teams/{team.pk}/")
    assert response.status_code == 400
    assert Team.objects.filter(pk=team.pk).exists()


def test_deactivate_action_reassigns(admin_user, rep, manager, api_as):
    _pipeline, stages = pipeline_with_stages()
    deal = DealFactory(owner=rep, stage=stages[0])
    client = api_as(admin_user)
    refused = client.post(f"/api/users/{rep.pk}/deactivate/", {}, format="json")
    assert refused.status_code == 400
    response = client.post(
        f"/api/users/{rep.pk}/deactivate/", {"reassign_to": manager.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.data["moved"]["deals"] == 1
    assert Deal.objects.get(pk=deal.pk).owner == manager
    assert User.objects.get(pk=rep.pk).is_active is False
    own = client.post(f"/api/users/{admin_user.pk}/deactivate/", {}, format="json")
    assert own.status_code == 400
    assert api_as(manager).post(f"/api/users/{manager.pk}/deactivate/").status_code == 403


def test_invite_action_creates_the_user_and_mails_them(
    admin_user, manager, api_as, django_capture_on_commit_callbacks
):
    from django.core import mail

    team = TeamFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(admin_user).post(
            "/api/users/invite/",
            {"email": "ayse@example.com", "role": "support", "team": team.pk, "language": "tr"},
            format="json",
        )
    assert response.status_code == 201, response.data
    assert (response.data["username"], response.data["role"]) == ("ayse@example.com", "support")
    assert mail.outbox[-1].to == ["ayse@example.com"]
    assert mail.outbox[-1].subject == "Goalpost'a davet edildiniz"
    again = api_as(admin_user).post(
        "/api/users/invite/", {"email": "AYSE@example.com", "role": "rep"}, format="json"
    )
    assert again.status_code == 400
    assert "email" in again.data
    forbidden = api_as(manager).post(
        "/api/users/invite/", {"email": "x@example.com", "role": "rep"}, format="json"
    )
    assert forbidden.status_code == 403
