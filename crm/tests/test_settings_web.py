"""Settings in the app: every page's permissions per role, and what each form does."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm.models import Deal, LostReason, Pipeline, SlaTarget, Stage, Team, User
from crm.services.support import ticket_open
from crm.services.workspace import workspace_defaults_seed
from crm.tests.factories import (
    ActivityFactory,
    DealFactory,
    LeadFactory,
    TeamFactory,
    TicketFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db):
    # A transactional test earlier in the run flushes the rows migration 0012 seeded.
    workspace_defaults_seed()


ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]
NOBODY_ELSE = {"rep": 403, "marketer": 403, "support_agent": 403}


@pytest.fixture
def things(rep):
    pipeline, stages = pipeline_with_stages(is_default=True)
    return {
        "pipeline": pipeline,
        "stage": stages[0],
        "team": TeamFactory(),
        "reason": LostReason.objects.first(),
        "user": rep,
    }


def _pages(t):
    """(url, expected status for the manager); admins get 200, other roles 403."""
    return [
        (reverse("web:settings"), 200),
        (reverse("web:settings_users"), 403),
        (reverse("web:settings_user_invite"), 403),
        (reverse("web:settings_user_edit", args=[t["user"].pk]), 403),
        (reverse("web:settings_user_deactivate", args=[t["user"].pk]), 403),
        (reverse("web:settings_teams"), 200),
        (reverse("web:settings_team_create"), 403),
        (reverse("web:settings_team_edit", args=[t["team"].pk]), 403),
        (reverse("web:settings_pipelines"), 200),
        (reverse("web:settings_pipeline_create"), 403),
        (reverse("web:settings_pipeline", args=[t["pipeline"].pk]), 200),
        (reverse("web:settings_pipeline_edit", args=[t["pipeline"].pk]), 403),
        (reverse("web:settings_stage_create", args=[t["pipeline"].pk]), 403),
        (reverse("web:settings_stage_edit", args=[t["stage"].pk]), 403),
        (reverse("web:settings_lost_reasons"), 200),
        (reverse("web:settings_lost_reason_create"), 403),
        (reverse("web:settings_lost_reason_edit", args=[t["reason"].pk]), 403),
        (reverse("web:settings_sla"), 200),
        (reverse("web:settings_email"), 200),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_settings_page_answers_per_role(role, request, client, things):
    client.force_login(request.getfixturevalue(role))
    for url, manager_status in _pages(things):
        expected = {"admin_user": 200, "manager": manager_status}.get(role, 403)
        assert client.get(url).status_code == expected, (role, url)


@pytest.mark.parametrize("role", ["rep", "manager", "marketer", "support_agent"])
def test_only_admins_post_settings(role, request, client, things):
    client.force_login(request.getfixturevalue(role))
    posts = [
        (reverse("web:settings_sla"), {}),
        (reverse("web:settings_email"), {"from_name": "X"}),
        (reverse("web:settings_stage_order", args=[things["pipeline"].pk]), {}),
        (reverse("web:settings_stage_move", args=[things["stage"].pk, "down"]), {}),
        (reverse("web:settings_stage_delete", args=[things["stage"].pk]), {}),
        (reverse("web:settings_team_delete", args=[things["team"].pk]), {}),
        (reverse("web:settings_lost_reason_delete", args=[things["reason"].pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Stage.objects.filter(pk=things["stage"].pk).exists()


def test_the_nav_links_settings_for_admins_and_managers_only(client, admin_user, manager, rep):
    for user, shown in [(admin_user, True), (manager, True), (rep, False)]:
        client.force_login(user)
        html = client.get(reverse("web:home")).content.decode()
        assert (f'href="{reverse("web:settings")}"' in html) is shown, user


def test_users_list_queries_stay_flat(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    team = TeamFactory()
    for n in range(3):
        User.objects.create(username=f"few{n}", team=team)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("web:settings_users"))
    for n in range(20):
        User.objects.create(username=f"many{n}", team=team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("web:settings_users")).status_code == 200


@pytest.mark.parametrize("name", ["settings_teams", "settings_pipelines", "settings_lost_reasons"])
def test_settings_lists_query_counts_stay_flat(
    name, client, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    for n in range(15):
        TeamFactory()
        pipeline_with_stages(name=f"P{n}", names=("A", "B"))
        LostReason.objects.create(name=f"R{n}", position=10 + n)
    with django_assert_max_num_queries(10):
        assert client.get(reverse(f"web:{name}")).status_code == 200


def test_pipeline_page_query_count_is_flat(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    pipeline, _stages = pipeline_with_stages(names=[f"S{n}" for n in range(4)])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("web:settings_pipeline", args=[pipeline.pk])).status_code == 200


def test_invite_creates_the_user_and_mails_a_set_password_link(
    client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    team = TeamFactory(name="North")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:settings_user_invite"),
            {
                "email": "Elif@Example.com",
                "first_name": "Elif",
                "role": "manager",
                "team": team.pk,
                "language": "tr",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="elif@example.com")
    assert (user.role, user.team, user.has_usable_password()) == ("manager", team, False)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["elif@example.com"]
    assert "/accounts/reset/" in message.body
    assert "Goalpost" in message.subject and message.subject != "You are invited to Goalpost"


def test_invite_with_a_taken_email_shows_the_error_in_the_form(client, admin_user, rep):
    client.force_login(admin_user)
    response = client.post(reverse("web:settings_user_invite"), {"email": rep.email, "role": "rep"})
    assert response.status_code == 422
    assert "already exists" in response.content.decode()


def test_invite_uses_the_sender_identity(client, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    client.post(
        reverse("web:settings_email"), {"from_name": "Acme Sales", "from_address": "s@acme.test"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:settings_user_invite"), {"email": "n@x.test", "role": "rep"})
    assert mail.outbox[-1].from_email == "Acme Sales <s@acme.test>"


def test_deactivate_reassigns_open_work_in_one_go(client, admin_user, rep, manager):
    _p, stages = pipeline_with_stages()
    open_deal = DealFactory(owner=rep, stage=stages[0])
    won = DealFactory(
        owner=rep,
        stage=stages[0],
        status="won",
        created_at=timezone.now() - timedelta(days=2),
        closed_at=timezone.now(),
    )
    lead = LeadFactory(owner=rep)
    task = ActivityFactory(assignee=rep)
    client.force_login(admin_user)

    response = client.post(
        reverse("web:settings_user_deactivate", args=[rep.pk]), {"reassign_to": manager.pk}
    )

    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.is_active is False
    assert Deal.objects.get(pk=open_deal.pk).owner == manager
    assert Deal.objects.get(pk=won.pk).owner == rep
    lead.refresh_from_db()
    task.refresh_from_db()
    assert (lead.owner, task.assignee) == (manager, manager)


def test_deactivate_without_a_sales_owner_changes_nothing(client, admin_user, rep, support_agent):
    _p, stages = pipeline_with_stages()
    deal = DealFactory(owner=rep, stage=stages[0])
    TicketFactory(assignee=rep)
    client.force_login(admin_user)

    response = client.post(
        reverse("web:settings_user_deactivate", args=[rep.pk]),
        {"reassign_to": support_agent.pk},
    )

    assert response.status_code == 422
    assert "needs a new owner in sales" in response.content.decode()
    rep.refresh_from_db()
    deal.refresh_from_db()
    assert (rep.is_active, deal.owner) == (True, rep)


def test_you_cannot_deactivate_yourself_or_the_last_admin(client, admin_user, make_user):
    client.force_login(admin_user)
    response = client.post(reverse("web:settings_user_deactivate", args=[admin_user.pk]), {})
    assert response.status_code == 422
    assert "your own account" in response.content.decode()
    other = make_user("admin", username="admin2")
    client.force_login(other)
    admin_user.is_active = True
    # Once admin2 is the only other admin, admin can go; then admin2 is the last one.
    client.post(reverse("web:settings_user_deactivate", args=[admin_user.pk]), {})
    admin_user.refresh_from_db()
    assert admin_user.is_active is False
    response = client.post(reverse("web:settings_user_edit", args=[other.pk]), {"role": "manager"})
    assert response.status_code == 422
    assert "last active admin" in response.content.decode()


def test_team_delete_names_what_depends_on_it(client, admin_user, rep):
    team = TeamFactory(name="South")
    rep.team = team
    rep.save()
    client.force_login(admin_user)

    response = client.post(reverse("web:settings_team_delete", args=[team.pk]), follow=True)

    assert Team.objects.filter(pk=team.pk).exists()
    assert "1 user" in response.content.decode()
    rep.team = None
    rep.save()
    client.post(reverse("web:settings_team_delete", args=[team.pk]))
    assert not Team.objects.filter(pk=team.pk).exists()


def test_team_form_sets_its_members(client, admin_user, rep, other_rep):
    client.force_login(admin_user)
    response = client.post(
        reverse("web:settings_team_create"),
        {"name": "East", "manager": admin_user.pk, "members": [rep.pk, other_rep.pk]},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="East")
    assert set(team.members.all()) == {rep, other_rep}
    client.post(
        reverse("web:settings_team_edit", args=[team.pk]), {"name": "East", "members": [rep.pk]}
    )
    assert set(team.members.all()) == {rep}


def test_stages_add_reorder_and_delete(client, admin_user):
    pipeline, stages = pipeline_with_stages()
    client.force_login(admin_user)
    client.post(
        reverse("web:settings_stage_create", args=[pipeline.pk]),
        {"name": "Legal review", "win_probability": "70", "rotting_days": "5"},
    )
    added = Stage.objects.get(name="Legal review")
    assert (added.position, added.win_probability, added.rotting_days) == (4, 70, 5)

    order = [stages[0].pk, added.pk, *[s.pk for s in stages[1:]]]
    client.post(reverse("web:settings_stage_order", args=[pipeline.pk]), {"stage": order})
    assert list(pipeline.stages.order_by("position").values_list("pk", flat=True)) == order

    client.post(reverse("web:settings_stage_move", args=[added.pk, "up"]))
    assert pipeline.stages.order_by("position").first() == added

    client.post(reverse("web:settings_stage_delete", args=[added.pk]))
    assert not Stage.objects.filter(pk=added.pk).exists()


def test_a_stage_with_deals_is_not_deleted(client, admin_user):
    _pipeline, stages = pipeline_with_stages()
    DealFactory(stage=stages[1])
    DealFactory(stage=stages[1])
    client.force_login(admin_user)

    response = client.post(reverse("web:settings_stage_delete", args=[stages[1].pk]), follow=True)

    assert Stage.objects.filter(pk=stages[1].pk).exists()
    assert "2 deals are in this stage" in response.content.decode()


def test_a_stale_order_is_refused_and_nothing_moves(client, admin_user):
    pipeline, stages = pipeline_with_stages()
    client.force_login(admin_user)
    response = client.post(
        reverse("web:settings_stage_order", args=[pipeline.pk]),
        {"stage": [stages[1].pk, stages[0].pk]},
        follow=True,
    )
    assert "reload the page" in response.content.decode()
    assert list(pipeline.stages.order_by("position")) == stages
    bad = client.post(reverse("web:settings_stage_order", args=[pipeline.pk]), {"stage": "x"})
    assert bad.status_code == 302


def test_stage_form_errors_show_in_the_page(client, admin_user):
    pipeline, _stages = pipeline_with_stages()
    client.force_login(admin_user)
    response = client.post(
        reverse("web:settings_stage_create", args=[pipeline.pk]),
        {"name": "Qualified", "win_probability": "140"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "errorlist" in html


def test_lost_reasons_are_seeded_managed_and_offered(client, admin_user, rep):
    assert LostReason.objects.count() == 6
    client.force_login(admin_user)
    client.post(reverse("web:settings_lost_reason_create"), {"name": "Went quiet"})
    client.post(reverse("web:settings_lost_reason_delete", args=[LostReason.objects.first().pk]))
    _p, stages = pipeline_with_stages(is_default=True)
    deal = DealFactory(owner=rep, stage=stages[0])
    client.force_login(rep)
    html = client.get(reverse("web:deal_detail", args=[deal.pk])).content.decode()
    assert '<option value="Went quiet">' in html
    assert '<option value="Price too high">' not in html
    assert '<option value="No budget">' in html


def test_sla_targets_drive_new_tickets_due_time(client, admin_user):
    client.force_login(admin_user)
    data = {}
    for priority in ("urgent", "high", "normal", "low"):
        data[f"{priority}_first_response"] = 1
        data[f"{priority}_resolution"] = 10
    data["high_resolution"] = 3
    assert client.post(reverse("web:settings_sla"), data).status_code == 302
    assert SlaTarget.objects.get(priority="high").resolution_hours == 3
    opened = timezone.now()
    ticket = ticket_open(actor=admin_user, subject="x", priority="high", opened_at=opened)
    assert ticket.sla_due_at == opened + timedelta(hours=3)


def test_sla_form_refuses_a_response_later_than_resolution(client, admin_user):
    client.force_login(admin_user)
    data = {
        f"{p}_{k}": 5
        for p in ("urgent", "high", "normal", "low")
        for k in ("first_response", "resolution")
    }
    data["low_first_response"] = 9
    response = client.post(reverse("web:settings_sla"), data)
    assert response.status_code == 422
    assert "cannot be due after the resolution" in response.content.decode()
    assert SlaTarget.objects.get(priority="low").first_response_hours != 9
    assert SlaTarget.objects.get(priority="urgent").resolution_hours == 4


def test_email_sender_is_used_by_outgoing_mail(client, admin_user, settings):
    from crm.services.outbound_email import MailKind, outbound_email_send

    def email_deliver(**fields):
        outbound_email_send(kind=MailKind.TRANSACTIONAL, **fields)

    settings.DEFAULT_FROM_EMAIL = "Goalpost <noreply@goalpost.invalid>"
    email_deliver(to="a@b.test", subject="s", body="b")
    assert mail.outbox[-1].from_email == "Goalpost <noreply@goalpost.invalid>"
    client.force_login(admin_user)
    client.post(reverse("web:settings_email"), {"from_name": "Acme", "from_address": ""})
    email_deliver(to="a@b.test", subject="s", body="b")
    assert mail.outbox[-1].from_email == "Acme <noreply@goalpost.invalid>"
    bad = client.post(reverse("web:settings_email"), {"from_address": "nope"})
    assert bad.status_code == 422


def test_a_deactivated_user_can_be_reactivated(client, admin_user, rep, manager):
    client.force_login(admin_user)
    client.post(reverse("web:settings_user_deactivate", args=[rep.pk]), {})
    rep.refresh_from_db()
    assert rep.is_active is False
    client.force_login(manager)
    assert client.post(reverse("web:settings_user_reactivate", args=[rep.pk])).status_code == 403
    client.force_login(admin_user)
    response = client.post(reverse("web:settings_user_reactivate", args=[rep.pk]), follow=True)
    assert "User reactivated." in response.content.decode()
    rep.refresh_from_db()
    assert rep.is_active is True


def test_admin_creates_a_pipeline_and_renames_it(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("web:settings_pipeline_create"), {"name": "Renewals"})
    pipeline = Pipeline.objects.get(name="Renewals")
    assert response.headers["Location"] == reverse("web:settings_pipeline", args=[pipeline.pk])
    client.post(
        reverse("web:settings_pipeline_edit", args=[pipeline.pk]),
        {"name": "Renewals 2027", "is_default": "on"},
    )
    pipeline.refresh_from_db()
    assert (pipeline.name, pipeline.is_default) == ("Renewals 2027", True)
