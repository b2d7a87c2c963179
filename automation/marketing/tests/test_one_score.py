"""One lead score: the same number in the lead list, segments, scoring page, API and
automation, explained rule by rule (issue 14)."""

import pytest
from django.urls import reverse

from automation.marketing.models import ContactScore
from automation.marketing.services.reactions import event_react
from automation.marketing.services.scoring import scores_adopt_lead_scores, scoring_rule_create
from crm.models import DomainEvent, Lead
from crm.services.contacts import interaction_record
from crm.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _react_all():
    for event_id in DomainEvent.objects.order_by("pk").values_list("pk", flat=True):
        event_react(event_id=event_id)


def _segment_count(api, threshold):
    response = api.post(
        "/api/segments/preview/",
        {"match": "all", "conditions": [{"field": "score", "operator": "gte",
                                         "value": str(threshold)}]},
        format="json",
    )  # fmt: skip
    return response.data["count"]


def test_same_score_in_list_segment_api_and_scoring_page(api_as, manager, marketer, client):
    contact = ContactFactory(first_name="Lea", email="lea@example.com")
    created = api_as(manager).post(
        "/api/leads/", {"contact": contact.pk, "score": 60, "source": "website"}, format="json"
    )
    assert created.status_code == 201, created.data
    _react_all()

    lead_api = api_as(manager).get(f"/api/leads/{created.data['id']}/").data["score"]
    explained = api_as(marketer).get(f"/api/scores/{contact.pk}/").data
    client.force_login(manager)
    lead_list = client.get(reverse("web:lead_list")).text
    client.force_login(marketer)
    scoring_page = client.get(reverse("marketing:scoring")).text

    assert lead_api == 60
    assert ContactScore.objects.get(contact=contact).score == 60
    assert (explained["score"], explained["adjustment"], explained["lines"]) == (60, 60, [])
    assert _segment_count(api_as(marketer), 50) == 1
    assert _segment_count(api_as(marketer), 61) == 0
    assert ">60<" in lead_list
    assert 'data-score="60"' in scoring_page


def test_rules_add_to_the_typed_score_and_every_reader_follows(api_as, manager, marketer):
    contact = ContactFactory(email="lea@example.com")
    lead = (
        api_as(manager)
        .post("/api/leads/", {"contact": contact.pk, "score": 40}, format="json")
        .data
    )
    _react_all()
    scoring_rule_create(actor=marketer, kind="behaviour", field="website_visit", points=15)

    interaction_record(actor=None, contact=contact, kind="website_visit")
    _react_all()

    explained = api_as(marketer).get(f"/api/scores/{contact.pk}/").data
    assert explained["score"] == 55
    assert [(line["label"], line["points"]) for line in explained["lines"]] == [
        ("Each website visit", 15.0)
    ]
    assert explained["adjustment"] == 40
    assert api_as(manager).get(f"/api/leads/{lead['id']}/").data["score"] == 55
    assert _segment_count(api_as(marketer), 55) == 1

    # A hand edit of the lead's score is kept as the contact's score.
    api_as(manager).patch(f"/api/leads/{lead['id']}/", {"score": 20}, format="json")
    _react_all()
    assert ContactScore.objects.get(contact=contact).score == 20
    assert api_as(marketer).get(f"/api/scores/{contact.pk}/").data["adjustment"] == 5
    assert _segment_count(api_as(marketer), 21) == 0


def test_every_lead_of_a_contact_shows_the_one_score(api_as, manager):
    contact = ContactFactory(email="two@example.com")
    client = api_as(manager)
    first = client.post("/api/leads/", {"contact": contact.pk, "score": 30}, format="json").data
    _react_all()
    second = client.post("/api/leads/", {"contact": contact.pk}, format="json").data
    _react_all()
    scores = sorted(Lead.objects.filter(contact=contact).values_list("score", flat=True))
    assert scores == [30, 30]
    assert {first["id"], second["id"]} == set(Lead.objects.values_list("pk", flat=True))


def test_scores_from_before_are_adopted(db):
    from crm.tests.factories import LeadFactory

    lead = LeadFactory(score=77)
    assert scores_adopt_lead_scores() == 1
    assert ContactScore.objects.get(contact=lead.contact).score == 77
    assert scores_adopt_lead_scores() == 0


def test_explanation_page_shows_the_lines(client, marketer):
    contact = ContactFactory(email="p@example.com")
    scoring_rule_create(actor=marketer, kind="attribute", field="lifecycle", value="lead", points=5)
    client.force_login(marketer)
    page = client.get(reverse("marketing:score_explanation", args=[contact.pk])).text
    assert "Lifecycle: Lead" in page
    assert 'id="score-total">5<' in page


def test_score_crossed_rule_sees_the_one_score(api_as, manager):
    from automation.engine import event_handle
    from automation.models import Run, RunStatus
    from automation.services.rules import rule_create

    rule_create(
        actor=None,
        name="Hot",
        triggers=["lead.score_changed"],
        conditions=[{"field": "score", "operator": "gte", "value": "50"}],
        actions=[{"type": "add_tag", "params": {"tag": "hot"}}],
    )
    contact = ContactFactory(email="h@example.com")
    lead = api_as(manager).post("/api/leads/", {"contact": contact.pk}, format="json").data
    api_as(manager).patch(f"/api/leads/{lead['id']}/", {"score": 70}, format="json")
    _react_all()
    for event_id in DomainEvent.objects.order_by("pk").values_list("pk", flat=True):
        event_handle(event_id=event_id)
    assert Run.objects.filter(rule__name="Hot", status=RunStatus.SUCCEEDED).count() == 1
    assert list(contact.tags.values_list("name", flat=True)) == ["hot"]
