"""`/api/saved-views/`: own and team-shared views listed, only own ones changed, junk
refused with field errors, and in the OpenAPI schema."""

import pytest

from crm.models import Role, SavedView
from crm.services.saved_views import saved_view_create
from crm.tests.factories import TeamFactory, UserFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db
URL = "/api/saved-views/"


@pytest.fixture
def team():
    return TeamFactory(name="North")


@pytest.fixture
def lead(team):
    return UserFactory(role=Role.MANAGER, username="lead", team=team)


@pytest.fixture
def mate(team):
    return UserFactory(role=Role.REP, username="mate", team=team)


def test_create_and_read_back(api_as, lead):
    stage = pipeline_with_stages()[1][1]

    response = api_as(lead).post(
        URL,
        {
            "list_key": "deals",
            "name": "Proposals",
            "query": {"stage": str(stage.pk), "sort": "-value"},
            "columns": ["owner", "stage"],
            "shared": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    data = response.data
    assert data["query"] == {"sort": "-value", "stage": str(stage.pk)}
    assert data["columns"] == ["stage", "owner"]
    assert (data["shared"], data["team"], data["owner"], data["is_mine"]) == (
        True,
        lead.team_id,
        lead.pk,
        True,
    )
    assert data["url"] == f"/deals/?view={data['id']}"
    assert api_as(lead).get(f"{URL}{data['id']}/").data["name"] == "Proposals"


def test_a_teammate_lists_and_reads_a_shared_view_but_cannot_change_it(api_as, lead, mate):
    shared = saved_view_create(actor=lead, list_key="deals", name="S", query={}, shared=True)
    private = saved_view_create(actor=lead, list_key="deals", name="P", query={})
    client = api_as(mate)

    listed = client.get(URL)
    assert [row["id"] for row in listed.data["results"]] == [shared.pk]
    assert listed.data["results"][0]["is_mine"] is False
    assert client.get(f"{URL}{shared.pk}/").status_code == 200
    assert client.patch(f"{URL}{shared.pk}/", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"{URL}{shared.pk}/").status_code == 403
    for method in ("get", "patch", "delete"):
        assert getattr(client, method)(f"{URL}{private.pk}/").status_code == 404
    assert SavedView.objects.get(pk=shared.pk).name == "S"


def test_an_admin_outside_the_team_sees_neither(api_as, lead, admin_user):
    saved_view_create(actor=lead, list_key="deals", name="S", query={}, shared=True)

    assert api_as(admin_user).get(URL).data["count"] == 0


def test_owner_updates_and_deletes(api_as, lead):
    view = saved_view_create(actor=lead, list_key="leads", name="Hot", query={"min_score": "70"})
    client = api_as(lead)

    patched = client.patch(
        f"{URL}{view.pk}/",
        {"name": "Hotter", "query": {"min_score": "90"}, "columns": ["score"]},
        format="json",
    )
    moved = client.patch(f"{URL}{view.pk}/", {"list_key": "deals"}, format="json")
    deleted = client.delete(f"{URL}{view.pk}/")

    assert patched.status_code == 200, patched.data
    assert (patched.data["name"], patched.data["query"], patched.data["columns"]) == (
        "Hotter",
        {"min_score": "90"},
        ["score"],
    )
    assert moved.status_code == 400 and "list_key" in moved.data
    assert deleted.status_code == 204 and not SavedView.objects.exists()


def test_filter_by_list(api_as, lead):
    saved_view_create(actor=lead, list_key="leads", name="A", query={})
    saved_view_create(actor=lead, list_key="deals", name="B", query={})

    response = api_as(lead).get(f"{URL}?list_key=deals")

    assert [row["name"] for row in response.data["results"]] == ["B"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"list_key": "goals", "name": "X"}, "list_key"),
        ({"list_key": "deals", "name": ""}, "name"),
        ({"list_key": "deals", "name": "X", "query": {"colour": "red"}}, "query"),
        ({"list_key": "deals", "name": "X", "query": {"stage": "abc"}}, "query"),
        ({"list_key": "deals", "name": "X", "query": {"sort": "password"}}, "query"),
        ({"list_key": "deals", "name": "X", "query": "status=open"}, "query"),
        ({"list_key": "deals", "name": "X", "query": {"q": "x" * 500}}, "query"),
        ({"list_key": "deals", "name": "X", "columns": ["pk"]}, "columns"),
        ({"list_key": "deals", "name": "X", "columns": "stage"}, "columns"),
        ({"list_key": "deals", "name": "X", "shared": True}, "shared"),
        ({"list_key": "deals", "name": "x" * 81}, "name"),
        ({"list_key": "deals", "name": "Dup"}, "name"),
    ],
)
def test_junk_is_a_400_naming_the_field(api_as, rep, body, field):
    saved_view_create(actor=rep, list_key="deals", name="Dup", query={})

    response = api_as(rep).post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.data, response.data
    assert SavedView.objects.count() == 1


def test_a_role_cannot_save_a_view_of_a_list_it_may_not_open(api_as, support_agent):
    response = api_as(support_agent).post(URL, {"list_key": "deals", "name": "X"}, format="json")

    assert response.status_code == 400
    assert response.data["list_key"] == ["You cannot open this list."]


def test_saved_views_are_in_the_openapi_schema(api_as, admin_user):
    schema = api_as(admin_user).get("/api/schema/", HTTP_ACCEPT="application/json").data

    assert "/api/saved-views/" in schema["paths"]
    assert "/api/saved-views/{id}/" in schema["paths"]
    assert "SavedView" in schema["components"]["schemas"]
