"""Rule list, run log and campaign list run as many queries at 30 rows as at 3."""

import pytest
from django.urls import reverse

from automation.models import Enrollment, Rule, Run, RunStatus
from crm.models import DomainEvent
from crm.tests.factories import CampaignFactory, ContactFactory

from .fuzzing import assert_flat

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(db):
    return Rule.objects.get(name="Deal over $500 → call the owner")


def test_rule_list(client, manager, rule, marketer):
    def add(n):
        for _ in range(n):
            Rule.objects.create(
                name=f"Copy {Rule.objects.count()}",
                triggers=rule.triggers,
                match=rule.match,
                conditions=rule.conditions,
                actions=rule.actions,
                created_by=marketer,
            )

    client.force_login(manager)
    assert assert_flat(client, reverse("automation:rules"), add) <= 12


def test_run_log(client, manager, rule):
    def add(n):
        for i in range(n):
            event = DomainEvent.objects.create(
                kind="deal_created", subject_type="deal", subject_id=i
            )
            Run.objects.create(
                rule=rule,
                event=event,
                event_kind="deal_created",
                subject_type="deal",
                subject_id=i,
                status=RunStatus.SUCCEEDED if i % 2 else RunStatus.FAILED,
                summary="Created a call task",
                outcome=[{"action": "create_task", "activity": i}],
            )

    client.force_login(manager)
    assert_flat(client, reverse("automation:rule_detail", args=[rule.pk]), add)
    assert_flat(client, reverse("automation:rule_detail", args=[rule.pk]) + "?status=failed", add)


def test_campaign_list(client, manager):
    def add(n):
        for _ in range(n):
            campaign = CampaignFactory()
            Enrollment.objects.create(campaign=campaign, contact=ContactFactory())

    client.force_login(manager)
    assert_flat(client, reverse("marketing:campaigns"), add)
    assert_flat(client, reverse("marketing:campaigns") + "?kind=attribution", add)
