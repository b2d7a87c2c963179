"""API of marketing and the permissions of each role (crm.policies "campaigns")."""

import pytest

from automation.marketing.models import CampaignStep, ScoringRule, Segment, StepVariant
from automation.validation import check_rule_definition
from crm.tests.factories import CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db

SEGMENT = {
    "name": "VIPs",
    "match": "all",
    "conditions": [{"field": "tag", "operator": "has", "value": "vip"}],
}


@pytest.fixture
def campaign(db):
    return CampaignFactory(name="API campaign")


def test_marketing_builds_a_campaign_with_steps_and_variants(api_as, marketer, campaign):
    api = api_as(marketer)
    first = api.post(
        "/api/campaign-steps/",
        {
            "campaign": campaign.pk,
            "kind": "email",
            "subject": "Hi {{ contact.first_name }}",
            "body": "Hello",
        },
        format="json",
    )
    assert first.status_code == 201, first.content
    assert [v["label"] for v in first.json()["variants"]] == ["A"]
    wait = api.post(
        "/api/campaign-steps/",
        {"campaign": campaign.pk, "kind": "wait", "wait_amount": 2, "wait_unit": "days"},
        format="json",
    )
    assert wait.status_code == 201
    variant = api.post(
        "/api/campaign-variants/",
        {"step": first.json()["id"], "subject": "Hey", "body": "B body"},
        format="json",
    )
    assert variant.status_code == 201, variant.content
    assert variant.json()["label"] == "B"
    moved = api.patch(f"/api/campaign-steps/{wait.json()['id']}/", {"position": 1}, format="json")
    assert moved.status_code == 200
    listing = api.get(f"/api/campaign-steps/?campaign={campaign.pk}").json()
    assert [(s["position"], s["kind"]) for s in listing["results"]] == [(1, "wait"), (2, "email")]
    plan = api.patch(f"/api/campaign-plans/{campaign.pk}/", {"welcome_series": True}, format="json")
    assert plan.json()["welcome_series"] is True
    report = api.get(f"/api/campaign-plans/{campaign.pk}/report/").json()
    assert (report["enrolled"], report["sent"], report["revenue"]) == (0, 0, "0.00")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "email", "subject": "x"}, "body"),
        ({"kind": "wait"}, "wait_amount"),
        ({"kind": "wait", "wait_amount": 0, "wait_unit": "days"}, "wait_amount"),
        ({"kind": "email", "subject": "x", "body": "{% load evil %}"}, "body"),
        ({"kind": "teleport"}, "kind"),
    ],
)
def test_bad_steps_are_400_with_field_errors(api_as, marketer, campaign, payload, field):
    response = api_as(marketer).post(
        "/api/campaign-steps/", {"campaign": campaign.pk, **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert CampaignStep.objects.count() == 0


def test_segments_api_with_live_count_and_validation(api_as, marketer, rep):
    from crm.services.contacts import contact_set_tags

    contact_set_tags(contact=ContactFactory(), actor=None, tags=["vip"])
    ContactFactory()
    api = api_as(marketer)
    created = api.post("/api/segments/", SEGMENT, format="json")
    assert created.status_code == 201, created.content
    assert api.get(f"/api/segments/{created.json()['id']}/count/").json() == {"count": 1}
    bad = api.post(
        "/api/segments/", {**SEGMENT, "name": "x", "conditions": [{"field": "nope"}]}, format="json"
    )
    assert bad.status_code == 400 and "conditions" in bad.json()
    # Segments are marketing's working data: a rep may not even count them.
    rep_api = api_as(rep)
    assert (
        rep_api.post(
            "/api/segments/preview/", {"conditions": SEGMENT["conditions"]}, format="json"
        ).status_code
        == 403
    )
    assert (
        rep_api.post("/api/segments/", {**SEGMENT, "name": "Mine"}, format="json").status_code
        == 403
    )
    assert rep_api.delete(f"/api/segments/{created.json()['id']}/").status_code == 403


def test_scoring_api(api_as, marketer, manager):
    api = api_as(marketer)
    assert (
        api.patch("/api/scoring-model/", {"threshold": 70}, format="json").json()["threshold"] == 70
    )
    assert (
        api.post(
            "/api/scoring-rules/",
            {"kind": "behaviour", "field": "website_visit", "points": 3, "cap": 12},
            format="json",
        ).status_code
        == 201
    )
    bad = api.post(
        "/api/scoring-rules/",
        {"kind": "attribute", "field": "age", "value": "old", "points": 3},
        format="json",
    )
    assert bad.status_code == 400 and "value" in bad.json()
    assert (
        api_as(manager).patch("/api/scoring-model/", {"threshold": 1}, format="json").status_code
        == 403
    )
    assert api_as(manager).get("/api/scoring-model/").json()["threshold"] == 70
    assert ScoringRule.objects.count() == 1


@pytest.mark.parametrize(
    ("role_fixture", "can_write"),
    [
        ("marketer", True),
        ("admin_user", True),
        ("manager", False),
        ("rep", False),
        ("support_agent", False),
    ],
)
def test_campaign_writes_per_role(request, api_as, campaign, role_fixture, can_write):
    user = request.getfixturevalue(role_fixture)
    api = api_as(user)
    response = api.post(
        "/api/campaign-steps/",
        {"campaign": campaign.pk, "kind": "email", "subject": "s", "body": "b"},
        format="json",
    )
    assert response.status_code == (201 if can_write else 403)
    # Marketing's working data: marketing, managers and admins read it (crm/policies.py).
    reads = role_fixture in ("marketer", "admin_user", "manager")
    assert api.get("/api/campaign-steps/").status_code == (200 if reads else 403)
    seg = api.post("/api/segments/", SEGMENT, format="json")
    assert seg.status_code == (201 if can_write else 403)


def test_nps_survey_api_is_supports_job(api_as, support_agent, marketer, rep):
    contact = ContactFactory()
    sent = api_as(support_agent).post("/api/nps-surveys/", {"contact": contact.pk}, format="json")
    assert sent.status_code == 201, sent.content
    assert "token" not in sent.json()
    assert (
        api_as(marketer)
        .post("/api/nps-surveys/", {"contact": contact.pk}, format="json")
        .status_code
        == 403
    )
    assert api_as(rep).get("/api/nps-surveys/").status_code == 403
    opted = ContactFactory(opted_out=True)
    assert (
        api_as(support_agent)
        .post("/api/nps-surveys/", {"contact": opted.pk}, format="json")
        .status_code
        == 400
    )


def test_discount_code_api(api_as, marketer, rep):
    contact = ContactFactory()
    body = {
        "contact": contact.pk,
        "percent_off": 20,
        "key": "anniversary:2025",
        "reason": "anniversary",
    }
    first = api_as(marketer).post("/api/discount-codes/", body, format="json")
    assert first.status_code == 201, first.content
    again = api_as(marketer).post("/api/discount-codes/", body, format="json")
    assert (again.status_code, again.json()["code"]) == (200, first.json()["code"])
    assert (
        api_as(marketer)
        .post("/api/discount-codes/", {**body, "percent_off": 0}, format="json")
        .status_code
        == 400
    )
    assert api_as(rep).post("/api/discount-codes/", body, format="json").status_code == 403


def test_email_sends_list_has_a_fixed_number_of_queries(
    api_as, marketer, django_assert_max_num_queries, run_on_commit
):
    from automation.marketing.services.offers import discount_code_issue

    for i in range(5):
        discount_code_issue(contact=ContactFactory(), reason="manual", key=f"k{i}", percent_off=5)
    with django_assert_max_num_queries(4):
        response = api_as(marketer).get("/api/email-sends/")
    assert response.json()["count"] == 5


def test_rules_can_send_nps_surveys_and_discount_codes():
    clean = check_rule_definition(
        triggers=["ticket.resolved"],
        match="all",
        conditions=[],
        actions=[{"type": "send_nps_survey", "params": {"valid_days": 7}}],
    )
    assert clean["actions"][0]["params"] == {"valid_days": 7}
    clean = check_rule_definition(
        triggers=["contact.anniversary"],
        match="all",
        conditions=[],
        actions=[
            {
                "type": "send_discount_code",
                "params": {"percent_off": 10, "valid_days": 30, "reason": "anniversary"},
            }
        ],
    )
    assert clean["actions"][0]["type"] == "send_discount_code"


def test_nothing_a_client_sends_is_a_500(api_as, marketer, campaign):
    api = api_as(marketer)
    for url, payload in [
        ("/api/campaign-steps/", {"campaign": 999999, "kind": "email"}),
        ("/api/campaign-variants/", {"step": "x"}),
        ("/api/segments/", {"name": "", "conditions": {"a": 1}}),
        ("/api/segments/preview/", {"conditions": "x"}),
        ("/api/scoring-rules/", {"points": 10**12}),
        ("/api/discount-codes/", {"contact": -1}),
    ]:
        assert api.post(url, payload, format="json").status_code == 400, url
    step = api.post(
        "/api/campaign-steps/",
        {"campaign": campaign.pk, "kind": "email", "subject": "s", "body": "b"},
        format="json",
    ).json()
    only = StepVariant.objects.get(step_id=step["id"])
    assert api.delete(f"/api/campaign-variants/{only.pk}/").status_code == 400
    assert Segment.objects.count() == 0
