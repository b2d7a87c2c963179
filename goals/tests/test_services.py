from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Notification
from crm.tests.factories import TeamFactory
from goals import services
from goals.models import Goal, GoalChange
from goals.tests.factories import GoalFactory, snapshot

pytestmark = pytest.mark.django_db

START = date(2025, 1, 1)
DEADLINE = date(2025, 7, 1)


def settled(kpi, day, value, **scope):
    """A snapshot on `day` after three earlier ones at the same value: enough history
    (4 points over 2 weeks) for a status other than "too early to tell"."""
    for days in (30, 20, 10):
        snapshot(kpi, day - timedelta(days=days), value, **scope)
    return snapshot(kpi, day, value, **scope)


def churn_goal(manager, **kw):
    data = {
        "title": "Cut churn",
        "plan": "Call every renewal a month ahead.",
        "kpi": "churn_rate",
        "baseline": Decimal("8"),
        "target": Decimal("6"),
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": START,
        "deadline": DEADLINE,
    } | kw
    return services.goal_create(actor=manager, today=START, **data).goal


def test_a_snapshot_is_never_the_baseline(manager):
    snapshot("churn_rate", START - timedelta(days=3), "8.5")
    settled("churn_rate", START, "8")
    snapshot("churn_rate", START + timedelta(days=1), "9")
    # No customers: churn computed live at the start is undefined, whatever was stored.
    with pytest.raises(ValidationError) as error:
        churn_goal(manager, baseline=None)
    assert "enter the baseline yourself" in error.value.message_dict["measurable"][0]

    goal = churn_goal(manager)

    assert goal.baseline == Decimal("8")
    assert goal.direction == "down"
    assert (goal.scope_type, goal.scope_id, goal.owner, goal.created_by) == (
        "company",
        None,
        manager,
        manager,
    )


def test_baseline_computed_live_when_no_snapshot(manager):
    # no customers at all: churn is undefined, so the user must give the baseline
    with pytest.raises(ValidationError) as error:
        churn_goal(manager, baseline=None)
    assert "enter the baseline yourself" in error.value.message_dict["measurable"][0]
    # a count KPI is 0 over an empty window
    goal = churn_goal(
        manager, kpi="leads", baseline=None, target=Decimal("40"), objective="sell_more"
    )
    assert goal.baseline == Decimal("0")
    assert goal.direction == "up"


@pytest.mark.parametrize(
    ("today", "value", "status"),
    [
        (date(2025, 4, 1), "7", "on_track"),  # halfway, half the way: the must-show case
        (date(2025, 4, 1), "7.5", "at_risk"),
        (date(2025, 4, 1), "7.9", "off_track"),
        (date(2025, 4, 1), "5.8", "achieved"),
        (date(2025, 7, 3), "6.4", "missed"),
    ],
)
def test_recompute_stores_each_status(manager, today, value, status):
    settled("churn_rate", START, "8")
    goal = churn_goal(manager)
    snapshot("churn_rate", min(today, DEADLINE), value)

    with time_machine.travel(today, tick=False):
        services.goals_recompute_all()

    goal.refresh_from_db()
    assert goal.status == status
    assert goal.current_value == Decimal(value)


def test_off_track_transition_notifies_the_owner_once(
    manager, rep, django_capture_on_commit_callbacks
):
    settled("churn_rate", START, "8", scope_type="rep", scope_id=rep.pk)
    goal = churn_goal(manager, scope_type="rep", scope_id=rep.pk)
    assert goal.owner == rep  # a rep's goal belongs to the rep

    with time_machine.travel(date(2025, 2, 1), tick=False):
        snapshot("churn_rate", date(2025, 2, 1), "8.2", scope_type="rep", scope_id=rep.pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.goals_recompute_all()
            services.goals_recompute_all()  # a rerun does not notify again
    goal.refresh_from_db()
    assert goal.status == "off_track"
    assert list(Notification.objects.values_list("user__username", "url")) == [
        ("rep1", f"/goals/{goal.pk}/")
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [rep.email]
    assert mail.outbox[0].subject == "Your goal “Cut churn” is off track."

    # back on track, then off again: a new transition, a new notice
    with time_machine.travel(date(2025, 3, 1), tick=False):
        snapshot("churn_rate", date(2025, 3, 1), "7.4", scope_type="rep", scope_id=rep.pk)
        services.goals_recompute_all()
        goal.refresh_from_db()
        assert goal.status == "on_track"
    with time_machine.travel(date(2025, 4, 15), tick=False):
        snapshot("churn_rate", date(2025, 4, 15), "7.9", scope_type="rep", scope_id=rep.pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.goals_recompute_all()
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_missed_goal_is_settled_and_not_recomputed_again(manager):
    settled("churn_rate", START, "8")
    goal = churn_goal(manager)
    with time_machine.travel(date(2025, 7, 10), tick=False):
        assert services.goals_recompute_all() == 1
    goal.refresh_from_db()
    assert goal.status == "missed"
    with time_machine.travel(date(2025, 7, 20), tick=False):
        assert services.goals_recompute_all() == 0


def test_edits_of_target_deadline_and_plan_are_history(manager):
    settled("churn_rate", START, "8")
    goal = churn_goal(manager)

    services.goal_update(
        goal=goal,
        actor=manager,
        today=START,
        target=Decimal("6.5"),
        deadline=date(2025, 9, 30),
        plan="Add a save desk.",
        title="Cut churn (revised)",
        reason="Budget cut",
    )

    rows = set(GoalChange.objects.values_list("field", "old_value", "new_value", "reason"))
    assert rows == {
        ("target", "6", "6.5", "Budget cut"),
        ("deadline", "2025-07-01", "2025-09-30", "Budget cut"),
        ("plan", "Call every renewal a month ahead.", "Add a save desk.", "Budget cut"),
    }
    assert GoalChange.objects.filter(changed_by=manager).count() == 3


def test_update_revalidates_smart_and_moving_deadline_must_be_future(manager):
    settled("churn_rate", START, "8")
    goal = churn_goal(manager)
    with pytest.raises(ValidationError) as error:
        services.goal_update(
            goal=goal, actor=manager, today=date(2025, 3, 1), deadline=date(2025, 2, 1), title=""
        )
    assert set(error.value.message_dict) == {"specific", "time_bound"}
    assert not GoalChange.objects.exists()


def test_reps_set_only_goals_about_themselves(rep, other_rep, manager):
    settled("churn_rate", START, "8")
    with pytest.raises(PermissionDenied):
        churn_goal(rep, scope_type="company")
    with pytest.raises(PermissionDenied):
        churn_goal(rep, scope_type="rep", scope_id=other_rep.pk)
    with pytest.raises(PermissionDenied):
        churn_goal(rep, owner=other_rep)
    settled("churn_rate", START, "8", scope_type="rep", scope_id=rep.pk)
    goal = churn_goal(rep)  # a rep's default scope is themselves
    assert (goal.scope_type, goal.scope_id, goal.owner) == ("rep", rep.pk, rep)
    company_goal = churn_goal(manager)
    with pytest.raises(PermissionDenied):
        services.goal_update(goal=company_goal, actor=rep, today=START, title="Mine now")


def test_parent_cannot_be_a_descendant(manager):
    parent = GoalFactory(owner=manager)
    child = GoalFactory(owner=manager, parent=parent)
    with pytest.raises(ValidationError) as error:
        services.goal_update(goal=parent, actor=manager, parent=child)
    assert error.value.message_dict == {"parent": ["A goal cannot be its own parent or ancestor."]}


def test_team_goal_reads_team_snapshots(manager):
    team = TeamFactory()
    settled("churn_rate", START, "10", scope_type="team", scope_id=team.pk)
    goal = churn_goal(
        manager, scope_type="team", scope_id=team.pk, baseline=Decimal("10"), target=Decimal("5")
    )
    assert goal.current_value == Decimal("10")
    assert Goal.objects.get().scope_id == team.pk


@pytest.mark.parametrize(
    ("language", "subject", "body_start"),
    [
        ("de", "Ihr Ziel „Cut churn“ ist vom Kurs abgekommen.", "„Cut churn“ hat"),
        ("", "Your goal “Cut churn” is off track.", "“Cut churn” is"),
    ],
)
def test_off_track_email_and_notice_are_in_the_owners_language(
    manager, rep, django_capture_on_commit_callbacks, language, subject, body_start
):
    """The recompute runs in a worker speaking English; the owner reads their own language."""
    from django.utils import translation

    from crm.models import User

    User.objects.filter(pk=rep.pk).update(language=language)
    settled("churn_rate", START, "8", scope_type="rep", scope_id=rep.pk)
    churn_goal(manager, scope_type="rep", scope_id=rep.pk)

    with time_machine.travel(date(2025, 2, 1), tick=False), translation.override("en"):
        snapshot("churn_rate", date(2025, 2, 1), "8.2", scope_type="rep", scope_id=rep.pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.goals_recompute_all()

    (message,) = mail.outbox
    assert message.subject == subject
    assert message.body.startswith(body_start)
    assert list(Notification.objects.values_list("message", flat=True)) == [subject]
