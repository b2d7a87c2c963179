from crm.models import Activity
from crm.services.deals import deal_create
from crm.tests.factories import ActivityFactory, LeadFactory
from crm.tests.test_api_world import world  # noqa: F401


def test_create_an_activity_on_a_deal(rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=rep, title="x", stage=world.stages[0], contact=world.contact)

    response = api_as(rep).post(
        "/api/activities/",
        {"kind": "call", "subject": "Discovery", "deal": deal.pk, "due_at": "2025-05-01T10:00Z"},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert set(response.data) >= {
        "kind", "subject", "due_at", "done_at", "assignee", "deal", "lead", "contact",
    }  # fmt: skip
    assert (response.data["assignee"], response.data["contact"], response.data["done"]) == (
        rep.pk,
        world.contact.pk,
        False,
    )


def test_a_rep_cannot_attach_another_reps_deal_or_lead(rep, other_rep, api_as, world):  # noqa: F811
    theirs = deal_create(actor=other_rep, title="theirs", stage=world.stages[0])
    their_lead = LeadFactory(owner=other_rep)

    response = api_as(rep).post(
        "/api/activities/",
        {"kind": "call", "subject": "x", "deal": theirs.pk, "lead": their_lead.pk},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.data) == {"deal", "lead"}
    # The same answer as for an id that does not exist: nothing to probe.
    assert response.data["deal"][0].code == "does_not_exist"
    assert response.data["lead"][0].code == "does_not_exist"


def test_assigning_someone_else_names_assignee(rep, other_rep, api_as):
    response = api_as(rep).post(
        "/api/activities/",
        {"kind": "task", "subject": "x", "assignee": other_rep.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data) == ["assignee"]


def test_done_at_completes_and_can_be_cleared(rep, api_as):
    activity = ActivityFactory(assignee=rep)
    client = api_as(rep)

    done = client.patch(
        f"/api/activities/{activity.pk}/", {"done_at": "2025-04-01T12:00:00Z"}, format="json"
    )
    reopened = client.patch(f"/api/activities/{activity.pk}/", {"done_at": None}, format="json")

    assert (done.status_code, done.data["done_at"], done.data["done"]) == (
        200,
        "2025-04-01T12:00:00Z",
        True,
    )
    assert (reopened.data["done_at"], reopened.data["done"]) == (None, False)


def test_activity_filters(manager, rep, other_rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=rep, title="x", stage=world.stages[0])
    call = ActivityFactory(assignee=rep, deal=deal, kind="call")
    meeting = ActivityFactory(assignee=other_rep, kind="meeting", done_at="2025-01-01T00:00Z")
    client = api_as(manager)

    def ids(query):
        response = client.get(f"/api/activities/?{query}")
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids(f"deal={deal.pk}") == [call.pk]
    assert ids("kind=meeting") == [meeting.pk]
    assert ids(f"assignee={rep.pk}") == [call.pk]
    assert ids("done=true") == [meeting.pk]
    assert ids("done=false") == [call.pk]
    assert client.get("/api/activities/?kind=lunch").status_code == 400


def test_support_sees_only_their_own_activities(support_agent, rep, api_as):
    mine = ActivityFactory(assignee=support_agent)
    ActivityFactory(assignee=rep)

    response = api_as(support_agent).get("/api/activities/")

    assert [row["id"] for row in response.data["results"]] == [mine.pk]


def test_invalid_activity(rep, api_as):
    response = api_as(rep).post(
        "/api/activities/", {"kind": "lunch", "subject": "", "due_at": "soon"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.data) == {"kind", "subject", "due_at"}
    assert Activity.objects.count() == 0
