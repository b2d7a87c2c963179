"""REST API: rules (with dry run), runs, campaigns and enrollments, per role."""

from decimal import Decimal

import pytest

from automation.engine import event_handle
from automation.models import Enrollment, Rule, Run
from crm.models import Activity, Campaign, DomainEvent, DomainEventReceipt
from crm.services.deals import deal_create
from crm.tests.factories import CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db

RULES = "/api/automation/rules/"

CALL_RULE = {
    "name": "Big deal call",
    "triggers": ["deal.created"],
    "match": "all",
    "conditions": [{"field": "value", "operator": "gte", "value": 1000}],
    "actions": [
        {
            "type": "create_task",
            "params": {"kind": "call", "title": "Call {contact}", "assignee": "owner"},
        }
    ],
}


@pytest.mark.parametrize("role", ["marketer", "admin_user"])
def test_marketing_and_admin_create_rules_normalised(role, request, api_as):
    user = request.getfixturevalue(role)
    response = api_as(user).post(RULES, CALL_RULE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["conditions"] == [{"field": "value", "operator": "gte", "value": "1000"}]
    assert body["actions"][0]["params"]["due_in_hours"] == 24  # the default filled in
    assert body["created_by"] == user.pk


@pytest.mark.parametrize("role", ["manager", "rep", "support_agent"])
def test_others_may_not_write_rules(role, request, api_as):
    response = api_as(request.getfixturevalue(role)).post(RULES, CALL_RULE, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [("manager", 200), ("rep", 403), ("support_agent", 403)]
)
def test_rules_are_read_by_managers_only_besides_writers(role, status, request, api_as):
    assert api_as(request.getfixturevalue(role)).get(RULES).status_code == status


def test_rule_list_query_count_does_not_grow(marketer, api_as, django_assert_max_num_queries):
    for i in range(15):
        Rule.objects.create(name=f"R{i}", **{k: v for k, v in CALL_RULE.items() if k != "name"})
    client = api_as(marketer)
    with django_assert_max_num_queries(4):
        response = client.get(RULES)
    assert response.json()["count"] == 17  # + the two seeded defaults


def test_invalid_definitions_are_400_with_errors_per_row(marketer, api_as):
    bad = {
        **CALL_RULE,
        "triggers": ["deal.created"],
        "conditions": [
            {"field": "value", "operator": "gt", "value": "500"},
            {"field": "value", "operator": "contains", "value": "5"},
            {"field": "nope", "operator": "eq", "value": "x"},
            {"field": "value", "operator": "gt", "value": "lots"},
        ],
        "actions": [
            {"type": "create_task", "params": {"kind": "call", "title": "", "assignee": "user"}},
            {"type": "launch_rocket", "params": {}},
        ],
    }
    response = api_as(marketer).post(RULES, bad, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["conditions"][0] == {}
    assert list(errors["conditions"][1]) == ["operator"]
    assert list(errors["conditions"][2]) == ["field"]
    assert errors["conditions"][3] == {"value": ["Enter a number."]}
    assert set(errors["actions"][0]) == {"title", "user"}
    assert list(errors["actions"][1]) == ["type"]


@pytest.mark.parametrize(
    "payload",
    [
        {"triggers": "deal.created"},
        {"triggers": []},
        {"triggers": ["deal.created", "lead.created"]},
        {"triggers": ["nope"]},
        {"conditions": "value > 5"},
        {"conditions": [["value", "gt", 5]]},
        {"conditions": [{"field": "value", "operator": "gt", "value": {"a": 1}}]},
        {"actions": []},
        {"actions": [{"type": "create_task", "params": "call"}]},
        {"actions": [{"type": "create_task", "params": {"due_in_hours": "soon", "title": "x"}}]},
        {"actions": [{"type": "enroll_in_campaign", "params": {"campaign": 999999}}]},
        {"actions": [{"type": "set_field", "params": {"field": "kind", "value": "robbery"}}]},
        {"actions": [{"type": "change_lead_score", "params": {"delta": 0}}]},
        {"match": "most"},
    ],
)
def test_garbage_is_a_400_never_a_500(payload, marketer, api_as):
    response = api_as(marketer).post(RULES, {**CALL_RULE, **payload}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) & {"triggers", "conditions", "actions", "match"}


def test_patch_threshold_keeps_the_rest(marketer, api_as):
    rule = Rule.objects.get(name="Deal over $500 → call the owner")
    response = api_as(marketer).patch(
        f"{RULES}{rule.pk}/",
        {"conditions": [{"field": "value", "operator": "gt", "value": "1000"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    rule.refresh_from_db()
    assert rule.conditions[0]["value"] == "1000"
    assert rule.actions[0]["type"] == "create_task"


def test_dry_run_reports_and_writes_nothing(marketer, manager, rep, api_as, pipeline):
    for value in ("100", "600", "700"):
        deal_create(actor=rep, title=value, value=Decimal(value), contact=ContactFactory())
    rule = Rule.objects.get(name="Deal over $500 → call the owner")
    counts = (Activity.objects.count(), Run.objects.count(), Enrollment.objects.count())

    response = api_as(manager).post(f"{RULES}{rule.pk}/dry-run/?days=30")

    assert response.status_code == 200
    body = response.json()
    assert (body["events"], body["matched"]) == (3, 2)
    assert body["actions"] == [
        {"key": "create_task:call", "count": 2, "description": "created 2 call tasks"}
    ]
    assert body["summary"] == (
        "Over the last 30 days this rule would have acted on 2 of 3 events: created 2 call tasks."
    )
    assert (Activity.objects.count(), Run.objects.count(), Enrollment.objects.count()) == counts
    assert DomainEvent.objects.filter(processed_at__isnull=False).count() == 0
    assert DomainEventReceipt.objects.count() == 0


def test_dry_run_counts_each_contact_once_for_enrollment(marketer, rep, api_as, pipeline):
    contact = ContactFactory()
    for title in ("a", "b"):
        deal_create(actor=rep, title=title, value=Decimal("100"), contact=contact)
    deal_create(actor=rep, title="c", value=Decimal("100"), contact=ContactFactory())
    rule = Rule.objects.get(name="Deal $500 or less → Nurture")
    body = api_as(marketer).post(f"{RULES}{rule.pk}/dry-run/?days=7").json()
    assert body["actions"][0]["description"] == "enrolled 2 contacts in Nurture"
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize("days", ["0", "400", "abc"])
def test_dry_run_rejects_bad_windows(days, marketer, api_as):
    rule = Rule.objects.first()
    response = api_as(marketer).post(f"{RULES}{rule.pk}/dry-run/?days={days}")
    assert response.status_code == 400
    assert "days" in response.json()


def test_dry_run_forbidden_for_reps(rep, api_as):
    rule = Rule.objects.first()
    assert api_as(rep).post(f"{RULES}{rule.pk}/dry-run/").status_code == 403


def test_runs_filter_by_rule_and_status(
    manager, rep, api_as, pipeline, django_assert_max_num_queries
):
    deal_create(actor=rep, title="Big", value=Decimal("600"), contact=ContactFactory())
    event_handle(event_id=DomainEvent.objects.get().pk)
    call_rule = Rule.objects.get(name="Deal over $500 → call the owner")
    client = api_as(manager)
    with django_assert_max_num_queries(4):
        body = client.get(f"/api/automation/runs/?rule={call_rule.pk}").json()
    assert [r["status"] for r in body["results"]] == ["succeeded"]
    assert body["results"][0]["summary"].startswith("created call task for ")
    skipped = client.get("/api/automation/runs/?status=skipped").json()
    assert [r["rule_name"] for r in skipped["results"]] == ["Deal $500 or less → Nurture"]
    assert client.get("/api/automation/runs/?status=bogus").status_code == 400


def test_campaigns_everyone_reads_marketing_writes(rep, marketer, api_as):
    assert api_as(rep).get("/api/campaigns/").status_code == 200
    assert api_as(rep).post("/api/campaigns/", {"name": "X"}, format="json").status_code == 403
    response = api_as(marketer).post("/api/campaigns/", {"name": "Spring"}, format="json")
    assert response.status_code == 201
    assert Campaign.objects.get(name="Spring").owner == marketer
    duplicate = api_as(marketer).post("/api/campaigns/", {"name": "Spring"}, format="json")
    assert duplicate.status_code == 400


def test_campaign_in_use_cannot_be_deleted(marketer, api_as):
    nurture = Campaign.objects.get(name="Nurture")
    response = api_as(marketer).delete(f"/api/campaigns/{nurture.pk}/")
    assert response.status_code == 400
    unused = CampaignFactory()
    assert api_as(marketer).delete(f"/api/campaigns/{unused.pk}/").status_code == 204


def test_campaign_list_counts_enrollments(rep, api_as, django_assert_max_num_queries):
    campaign = CampaignFactory()
    for _ in range(3):
        Enrollment.objects.create(campaign=campaign, contact=ContactFactory())
    with django_assert_max_num_queries(4):
        body = api_as(rep).get(f"/api/campaigns/?search={campaign.name}").json()
    assert body["results"][0]["active_enrollments"] == 3


def test_enrollments_filter_enroll_and_exit(marketer, rep, api_as):
    campaign, other = CampaignFactory(), CampaignFactory()
    contact = ContactFactory()
    client = api_as(marketer)
    created = client.post(
        "/api/enrollments/", {"campaign": campaign.pk, "contact": contact.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    again = client.post(
        "/api/enrollments/", {"campaign": campaign.pk, "contact": contact.pk}, format="json"
    )
    assert again.status_code == 400
    Enrollment.objects.create(campaign=other, contact=ContactFactory())

    listed = api_as(rep).get(f"/api/enrollments/?contact={contact.pk}").json()
    assert [(e["campaign"], e["status"]) for e in listed["results"]] == [(campaign.pk, "active")]
    assert api_as(rep).get(f"/api/enrollments/?campaign={other.pk}").json()["count"] == 1

    enrollment_id = created.json()["id"]
    assert api_as(rep).post(f"/api/enrollments/{enrollment_id}/exit/").status_code == 403
    exited = client.post(f"/api/enrollments/{enrollment_id}/exit/", {"reason": "replied"})
    assert (exited.json()["status"], exited.json()["exit_reason"]) == ("exited", "replied")
    assert client.post(f"/api/enrollments/{enrollment_id}/exit/").status_code == 400


def test_registry_lists_fields_per_trigger(manager, rep, api_as):
    body = api_as(manager).get("/api/automation/registry/").json()
    deal_created = next(t for t in body["triggers"] if t["kind"] == "deal.created")
    keys = [f["key"] for f in deal_created["fields"]]
    assert keys[:8] == [
        "value",
        "currency",
        "kind",
        "stage",
        "pipeline",
        "owner",
        "status",
        "title",
    ]
    assert body["operators_by_type"]["number"] == ["eq", "ne", "gt", "gte", "lt", "lte", "in"]
    assert api_as(rep).get("/api/automation/registry/").status_code == 403
