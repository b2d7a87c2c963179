"""What the worker wrote in English reads in each reader's language."""

from decimal import Decimal

import pytest
from django.urls import reverse

from automation.engine import event_handle
from automation.models import Rule
from crm.models import Activity, DomainEvent, DomainEventKind
from crm.services.deals import deal_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_rep(rep):
    rep.language = "de"
    rep.save(update_fields=["language"])
    return rep


def _big_deal_handled(rep, contact):
    deal = deal_create(actor=rep, title="Yazarkasa", value=Decimal("600"), contact=contact)
    event_handle(event_id=DomainEvent.objects.get(kind=DomainEventKind.DEAL_CREATED).pk)
    return deal


def test_the_call_task_reads_in_its_assignees_language(
    default_rules, pipeline, german_rep, contact
):
    deal = _big_deal_handled(german_rep, contact)

    assert Activity.objects.get(deal=deal).subject == "Anruf zu Yazarkasa (600,00\xa0$)"


def test_the_run_log_reads_in_the_readers_language(
    client, default_rules, pipeline, rep, contact, admin_user
):
    deal = _big_deal_handled(rep, contact)
    rule = Rule.objects.get(name="Deal over $500 → call the owner")
    client.force_login(admin_user)

    german = client.get(
        reverse("automation:rule_detail", args=[rule.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    english = client.get(
        reverse("automation:rule_detail", args=[rule.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = german.content.decode()
    assert f"Anruf-Aufgabe für {rep} erstellt" in html
    assert "Deal erstellt" in html  # the event, not "deal.created"
    assert f'<a href="/deals/{deal.pk}/">' in html
    assert f"created call task for {rep}" in english.content.decode()
    assert f"created call task for {rep}" not in html
