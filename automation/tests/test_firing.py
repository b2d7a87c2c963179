"""Rules fire on a change, not on a state (issue 14)."""

from decimal import Decimal

import pytest

from automation.dry_run import rule_dry_run
from automation.engine import event_handle
from automation.models import Firing, Rule, Run, RunStatus
from automation.services.rules import rule_create
from crm.models import Activity, DomainEvent
from crm.services.deals import deal_create, deal_update

pytestmark = pytest.mark.django_db


def _handle_all():
    for event in DomainEvent.objects.order_by("pk"):
        event_handle(event_id=event.pk)


def _calls(deal):
    return Activity.objects.filter(deal=deal, kind="call", subject__startswith="Call about")


def test_three_value_edits_above_500_make_one_call_task(default_rules, pipeline, rep, contact):
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)
    for value in ("650", "700", "600"):
        deal = deal_update(deal=deal, actor=rep, data={"value": Decimal(value)})
    _handle_all()

    assert _calls(deal).count() == 1
    call_rule = Rule.objects.get(name__startswith="Deal over")
    skipped = Run.objects.filter(rule=call_rule, status=RunStatus.SKIPPED)
    assert (
        sorted(skipped.values_list("summary", flat=True))
        == ["The conditions already held before this change."] * 3
    )


def test_drop_below_and_return_calls_again_when_the_rule_says_becomes_true(
    default_rules, pipeline, rep, contact
):
    deal = deal_create(actor=rep, title="Swing", value=Decimal("600"), contact=contact)
    for value in ("400", "600"):
        deal = deal_update(deal=deal, actor=rep, data={"value": Decimal(value)})
    _handle_all()
    assert _calls(deal).count() == 2


def test_once_per_record_never_calls_twice(default_rules, pipeline, rep, contact):
    Rule.objects.filter(name__startswith="Deal over").update(fires=Firing.ONCE_PER_RECORD)
    deal = deal_create(actor=rep, title="Swing", value=Decimal("600"), contact=contact)
    for value in ("400", "600", "900"):
        deal = deal_update(deal=deal, actor=rep, data={"value": Decimal(value)})
    _handle_all()
    assert _calls(deal).count() == 1


def test_every_event_acts_on_each_edit(default_rules, pipeline, rep, contact):
    Rule.objects.filter(name__startswith="Deal over").update(fires=Firing.EVERY_EVENT)
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)
    for value in ("650", "700", "600"):
        deal = deal_update(deal=deal, actor=rep, data={"value": Decimal(value)})
    _handle_all()
    assert _calls(deal).count() == 4


def test_a_rule_without_conditions_on_the_changed_field_acts_on_every_change(
    pipeline, rep, contact
):
    rule_create(
        actor=None,
        name="Any edit",
        triggers=["deal.value_changed"],
        conditions=[{"field": "contact.lifecycle", "operator": "eq", "value": "lead"}],
        actions=[{"type": "add_tag", "params": {"tag": "edited"}}],
    )
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)
    for value in ("650", "700"):
        deal = deal_update(deal=deal, actor=rep, data={"value": Decimal(value)})
    _handle_all()
    assert Run.objects.filter(rule__name="Any edit", status=RunStatus.SUCCEEDED).count() == 2


def test_stage_rule_fires_when_the_deal_enters_the_stage_only(rep, contact):
    from crm.services.deals import deal_move_to_stage
    from crm.tests.factories import pipeline_with_stages

    _pipeline, stages = pipeline_with_stages(is_default=True)
    target = stages[-1]
    rule_create(
        actor=None,
        name="Late stage",
        triggers=["deal.stage_changed"],
        conditions=[{"field": "stage", "operator": "eq", "value": str(target.pk)}],
        actions=[{"type": "add_tag", "params": {"tag": "late"}}],
    )
    deal = deal_create(actor=rep, title="Mover", value=Decimal("10"), contact=contact)
    deal_move_to_stage(deal=deal, stage=target, actor=rep)
    deal_move_to_stage(deal=deal, stage=stages[0], actor=rep)
    _handle_all()
    assert Run.objects.filter(rule__name="Late stage", status=RunStatus.SUCCEEDED).count() == 1


def test_score_crossed_fires_once_while_above(rep, contact):
    from crm.services.leads import lead_update
    from crm.tests.factories import LeadFactory

    rule_create(
        actor=None,
        name="Hot lead",
        triggers=["lead.score_changed"],
        conditions=[{"field": "score", "operator": "gte", "value": "50"}],
        actions=[{"type": "add_tag", "params": {"tag": "hot"}}],
    )
    lead = LeadFactory(contact=contact, score=10)
    for score in (55, 60, 70):
        lead = lead_update(lead=lead, actor=None, data={"score": score})
    _handle_all()
    assert Run.objects.filter(rule__name="Hot lead", status=RunStatus.SUCCEEDED).count() == 1


def test_dry_run_counts_one_call_after_three_edits(default_rules, pipeline, rep, contact):
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)
    for value in ("650", "700", "600"):
        deal = deal_update(deal=deal, actor=rep, data={"value": Decimal(value)})
    rule = Rule.objects.get(name__startswith="Deal over")

    report = rule_dry_run(rule=rule, days=30)

    assert (report.events, report.matched) == (4, 1)
    assert report.tallies[0]["count"] == 1
    rule.fires = Firing.EVERY_EVENT
    assert rule_dry_run(rule=rule, days=30).matched == 4


def test_rule_builder_shows_the_choice_in_words(client, marketer):
    client.force_login(marketer)
    response = client.get("/automation/rules/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "When the conditions become true" in html
    assert 'name="fires" value="once_per_record"' in html


def test_api_takes_and_validates_fires(api_as, marketer):
    body = {
        "name": "Once",
        "triggers": ["deal.value_changed"],
        "conditions": [{"field": "value", "operator": "gt", "value": "500"}],
        "actions": [{"type": "add_tag", "params": {"tag": "big"}}],
    }
    client = api_as(marketer)
    created = client.post(
        "/api/automation/rules/", {**body, "fires": "once_per_record"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["fires"] == "once_per_record"
    bad = client.post("/api/automation/rules/", {**body, "fires": "sometimes"}, format="json")
    assert bad.status_code == 400
    assert "fires" in bad.json()


def test_registry_describes_the_firing_choice(api_as, marketer):
    registry = api_as(marketer).get("/api/automation/registry/").json()
    assert set(registry["firing"]) == {"becomes_true", "every_event", "once_per_record"}
    assert registry["change_triggers"]["deal.value_changed"] == ["value"]


def test_rule_page_says_how_often_it_fires(client, marketer, default_rules):
    rule = Rule.objects.get(name__startswith="Deal over")
    client.force_login(marketer)
    page = client.get(f"/automation/rules/{rule.pk}/").content.decode()
    assert "How often" in page
    assert "When the conditions become true — not again while they stay true" in page
