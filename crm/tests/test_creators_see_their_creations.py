"""Creators see what they create: for every role and every resource it may create through
the API, the new row can be read, changed and deleted by its creator as crm/policies.py
says (issue: marketing and support created activities that answered 404 to them)."""

import pytest

from crm import policies
from crm.tests.test_api_world import ENDPOINTS, ROLES, create_payload, world  # noqa: F401
from crm.tests.test_permissions_matrix import UPDATES

pytestmark = pytest.mark.django_db

CREATES = [
    (role, resource)
    for role in ROLES
    for resource in ENDPOINTS
    if role in policies.ACCESS[resource][1]
]


@pytest.mark.parametrize(("role", "resource"), CREATES)
def test_the_creator_reads_changes_and_deletes_what_they_created(
    role,
    resource,
    make_user,
    api_as,
    world,  # noqa: F811
):
    client = api_as(make_user(role, username=f"creator-{role}"))
    created = client.post(ENDPOINTS[resource], create_payload(resource, world), format="json")
    assert created.status_code == 201, created.data
    url = f"{ENDPOINTS[resource]}{created.data['id']}/"

    assert client.get(url).status_code == 200
    changed = client.patch(url, UPDATES[resource], format="json")
    assert changed.status_code == 200, changed.data
    assert client.delete(url).status_code == 204


@pytest.mark.parametrize("role", ["marketing", "support"])
def test_a_task_handed_to_a_rep_stays_visible_to_whoever_created_it(role, make_user, api_as, rep):
    creator = make_user(role, username=f"creator-{role}")
    if role == "support":
        # Only those who may assign records to others hand tasks on; support may not.
        refused = api_as(creator).post(
            "/api/activities/",
            {"kind": "task", "subject": "Call the customer back", "assignee": rep.pk},
            format="json",
        )
        assert refused.status_code == 400 and "assignee" in refused.data
        return
    created = api_as(creator).post(
        "/api/activities/",
        {"kind": "task", "subject": "Follow up the webinar lead", "assignee": rep.pk},
        format="json",
    )
    assert created.status_code == 201, created.data
    url = f"/api/activities/{created.data['id']}/"
    assert api_as(creator).get(url).json()["assignee"] == rep.pk
    assert api_as(rep).get(url).status_code == 200
    other_marketer = make_user(role, username="another-marketer")
    assert api_as(other_marketer).get(url).status_code == 404
