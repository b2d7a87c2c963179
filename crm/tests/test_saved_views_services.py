"""Saved views and remembered list state: what the services accept, refuse and keep."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import ListState, Role, SavedView
from crm.services.saved_views import (
    columns_check,
    list_state_remember,
    list_state_reset,
    query_check,
    query_usable,
    saved_view_create,
    saved_view_delete,
    saved_view_update,
    saved_views_visible,
)
from crm.tests.factories import TeamFactory, UserFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(name="North")


@pytest.fixture
def lead_manager(team):
    return UserFactory(role=Role.MANAGER, username="north-manager", team=team)


@pytest.fixture
def teammate(team):
    return UserFactory(role=Role.REP, username="north-rep", team=team)


def test_a_view_keeps_its_filters_sort_and_columns(lead_manager):
    stage = pipeline_with_stages()[1][2]

    view = saved_view_create(
        actor=lead_manager,
        list_key="deals",
        name="  Big proposals ",
        query={"stage": str(stage.pk), "q": "acme", "sort": "-value", "status": ""},
        columns=["owner", "stage"],
    )

    assert view.name == "Big proposals"
    assert view.query == {"q": "acme", "sort": "-value", "stage": str(stage.pk)}
    # Columns in the list's own order, whatever order they came in.
    assert view.columns == ["stage", "owner"]
    assert view.shared is False and view.team is None


def test_without_columns_a_view_has_the_lists_defaults(lead_manager):
    view = saved_view_create(actor=lead_manager, list_key="deals", name="All", query={})

    assert view.columns == ["stage", "status", "contact", "owner", "close"]


@pytest.mark.parametrize(
    ("query", "columns", "field", "text"),
    [
        ({"colour": "red"}, None, "query", "Unknown filter: colour."),
        ({"sort": "pk;drop"}, None, "query", "cannot be sorted by “pk;drop”"),
        ({"status": "bogus"}, None, "query", "Status: Select a valid choice."),
        ({"stage": "999999"}, None, "query", "Stage: Select a valid choice."),
        ({"q": "x" * 201}, None, "query", "at most 200 characters"),
        ({}, ["stage", "colour"], "columns", "Unknown column: colour."),
        ({}, "stage", "columns", "Give the columns as a list of names."),
        (["status"], None, "query", "Give the filters as an object"),
        ({"status": ["open"]}, None, "query", "Each filter's value must be text."),
    ],
)
def test_what_the_list_does_not_know_is_refused_with_a_sentence(
    lead_manager, query, columns, field, text
):
    with pytest.raises(ValidationError) as error:
        saved_view_create(
            actor=lead_manager, list_key="deals", name="X", query=query, columns=columns
        )

    assert field in error.value.message_dict
    assert text in " ".join(error.value.message_dict[field])
    assert not SavedView.objects.exists()


def test_unknown_list_and_a_list_the_role_cannot_open_are_refused(make_user):
    support = make_user(Role.SUPPORT, username="agent")

    with pytest.raises(ValidationError) as unknown:
        saved_view_create(actor=support, list_key="goals", name="X", query={})
    with pytest.raises(ValidationError) as forbidden:
        saved_view_create(actor=support, list_key="deals", name="X", query={})

    assert unknown.value.message_dict == {"list_key": ["There is no such list."]}
    assert forbidden.value.message_dict == {"list_key": ["You cannot open this list."]}


def test_names_are_unique_per_owner_and_list_ignoring_case(lead_manager, teammate):
    saved_view_create(actor=lead_manager, list_key="deals", name="Open", query={})

    with pytest.raises(ValidationError) as error:
        saved_view_create(actor=lead_manager, list_key="deals", name="OPEN", query={})
    # Another list, or another owner, may use the name.
    saved_view_create(actor=lead_manager, list_key="leads", name="Open", query={})
    saved_view_create(actor=teammate, list_key="deals", name="Open", query={})

    assert "already have a view named “OPEN”" in error.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        saved_view_create(actor=lead_manager, list_key="deals", name="   ", query={})


def test_sharing_needs_a_team_and_shares_with_the_owners(lead_manager, rep, team):
    shared = saved_view_create(
        actor=lead_manager, list_key="deals", name="Team", query={}, shared=True
    )

    with pytest.raises(ValidationError) as error:
        saved_view_create(actor=rep, list_key="deals", name="Mine", query={}, shared=True)

    assert shared.team == team
    assert "not in a team" in error.value.message_dict["shared"][0]


def test_a_manager_who_leads_a_team_without_being_listed_in_it_shares_with_it(teammate, team):
    leader = UserFactory(role=Role.MANAGER, username="leader")  # no team of their own
    team.manager = leader
    team.save()
    theirs = saved_view_create(
        actor=teammate, list_key="deals", name="Rep's", query={}, shared=True
    )

    mine = saved_view_create(actor=leader, list_key="deals", name="Lead's", query={}, shared=True)

    assert mine.team == team
    assert set(saved_views_visible(user=leader)) == {mine, theirs}
    assert set(saved_views_visible(user=teammate)) == {mine, theirs}


def test_visible_views_are_mine_and_my_teams_shared_ones(lead_manager, teammate, rep):
    shared = saved_view_create(
        actor=lead_manager, list_key="deals", name="A", query={}, shared=True
    )
    saved_view_create(actor=lead_manager, list_key="deals", name="Private", query={})
    own = saved_view_create(actor=teammate, list_key="deals", name="B", query={})
    outsider = UserFactory(role=Role.MANAGER, username="south", team=TeamFactory())

    assert set(saved_views_visible(user=teammate)) == {shared, own}
    assert list(saved_views_visible(user=rep)) == []
    assert list(saved_views_visible(user=outsider)) == []
    assert set(saved_views_visible(user=lead_manager, list_key="deals")) == {
        shared,
        SavedView.objects.get(name="Private"),
    }


def test_a_teammate_can_see_but_not_change_or_delete_a_shared_view(lead_manager, teammate):
    view = saved_view_create(actor=lead_manager, list_key="deals", name="A", query={}, shared=True)

    with pytest.raises(PermissionDenied):
        saved_view_update(view=view, actor=teammate, data={"name": "Mine now"})
    with pytest.raises(PermissionDenied):
        saved_view_delete(view=view, actor=teammate)

    view.refresh_from_db()
    assert view.name == "A"


def test_the_owner_renames_unshares_and_deletes(lead_manager):
    view = saved_view_create(actor=lead_manager, list_key="deals", name="A", query={}, shared=True)

    view = saved_view_update(
        view=view,
        actor=lead_manager,
        data={"name": "B", "shared": False, "query": {"status": "won"}, "columns": []},
    )

    assert (view.name, view.shared, view.team, view.query, view.columns) == (
        "B",
        False,
        None,
        {"status": "won"},
        [],
    )
    with pytest.raises(ValidationError):
        saved_view_update(view=view, actor=lead_manager, data={"list_key": "leads"})
    saved_view_delete(view=view, actor=lead_manager)
    assert not SavedView.objects.exists()


def test_a_query_whose_stage_was_deleted_keeps_the_rest_and_says_what_went():
    stages = pipeline_with_stages()[1]
    query = {"stage": str(stages[3].pk), "status": "open", "sort": "gone", "colour": "red"}
    stages[3].delete()

    kept, dropped = query_usable(list_key="deals", query=query)

    assert kept == {"status": "open"}
    assert len(dropped) == 1 and dropped[0].startswith("Stage: ")


def test_query_usable_never_raises_on_junk():
    assert query_usable(list_key="deals", query=["junk"]) == (
        {},
        ["The saved filters could not be read."],
    )
    assert query_usable(list_key="nope", query={}) == ({}, [])
    assert query_check(list_key="leads", query={"min_score": "70"}) == {"min_score": "70"}
    assert columns_check(list_key="tickets", columns=["sla", "sla"]) == ["sla"]


def test_list_state_remembers_known_keys_and_resets(rep):
    state = list_state_remember(
        user=rep, list_key="deals", query={"status": "open", "page": "3", "junk": "x"}
    )
    assert state.query == {"status": "open"} and state.columns is None

    state = list_state_remember(user=rep, list_key="deals", columns=["owner"])
    assert (state.query, state.columns) == ({"status": "open"}, ["owner"])

    list_state_reset(user=rep, list_key="deals")
    assert not ListState.objects.exists()
