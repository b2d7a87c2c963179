"""Every POST action of the marketing editors by every role; handoffs scoped to leads."""

import pytest
from django.urls import reverse

from automation.marketing.models import (
    CampaignStep,
    LeadHandoff,
    ScoringRule,
    Segment,
    VariantLanguage,
)
from automation.marketing.services.campaigns import variant_language_create
from automation.marketing.services.enrollments import campaign_enroll_contact
from crm.tests.factories import CampaignFactory, ContactFactory, LeadFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db

ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]
WRITERS = {"marketer", "admin_user"}


@pytest.fixture
def world(db):
    campaign = CampaignFactory(name="Matrix")
    steps = email_wait_email(campaign)
    segment = Segment.objects.create(name="All", conditions=[])
    enrollment = campaign_enroll_contact(campaign=campaign, contact=ContactFactory())
    rule = ScoringRule.objects.create(kind="attribute", field="source", value="web", points=5)
    return campaign, steps, segment, enrollment, rule


@pytest.mark.parametrize("role", ROLES)
def test_editor_actions(client, request, role, world):
    campaign, steps, segment, enrollment, rule = world
    c = campaign.pk
    client.force_login(request.getfixturevalue(role))
    ok = role in WRITERS
    posts = [
        (reverse("marketing:campaigns"), {"name": "Fresh", "channel": "email"}),
        (reverse("marketing:step_add", args=[c]), {"kind": "wait", "wait_amount": "1", "wait_unit": "days"}),
        (reverse("marketing:step_wait", args=[c, steps[1].pk]), {"wait_amount": "3", "wait_unit": "days"}),
        (reverse("marketing:step_move", args=[c, steps[1].pk]), {"direction": "up"}),
        (reverse("marketing:variant_add", args=[c, steps[0].pk]), {f"new-{steps[0].pk}-subject": "B", f"new-{steps[0].pk}-body": "b"}),
        (reverse("marketing:plan", args=[c]), {"audience": segment.pk}),
        (reverse("marketing:enroll_segment", args=[c]), {"segment": segment.pk}),
        (reverse("marketing:enrollment_exit", args=[c, enrollment.pk]), {}),
        (reverse("marketing:segment_new"), {"name": "New", "match": "all", "c-TOTAL_FORMS": "0", "c-INITIAL_FORMS": "0"}),
        (reverse("marketing:scoring"), {"rule-field": "website_visit", "rule-points": "3"}),
        (reverse("marketing:scoring_rule_delete", args=[rule.pk]), {}),
        (reverse("marketing:step_delete", args=[c, steps[2].pk]), {}),
        (reverse("marketing:segment_delete", args=[segment.pk]), {}),
    ]  # fmt: skip
    variant = steps[0].variants.get()
    version = variant_language_create(
        variant=variant, actor=None, language="ko", subject="안녕", body="안녕하세요"
    )
    new, old = f"lang-new-{variant.pk}", f"lang-{version.pk}"
    posts[4:4] = [
        (reverse("marketing:language_add", args=[c, variant.pk]), {f"{new}-language": "de", f"{new}-subject": "Hallo", f"{new}-body": "Hallo"}),
        (reverse("marketing:language_edit", args=[c, version.pk]), {f"{old}-subject": "안녕!", f"{old}-body": "네"}),
        (reverse("marketing:language_delete", args=[c, version.pk]), {}),
    ]  # fmt: skip
    for url, body in posts:
        assert client.post(url, body).status_code == (302 if ok else 403), url
    languages = set(
        VariantLanguage.objects.filter(variant=variant).values_list("language", flat=True)
    )
    assert languages == ({"de"} if ok else {"ko"})
    # added one wait, removed the last email
    assert CampaignStep.objects.filter(campaign=campaign).count() == 3
    assert Segment.objects.filter(name="New").exists() == ok
    assert ScoringRule.objects.filter(pk=rule.pk).exists() == (not ok)


def test_scoring_page_lists_only_the_handoffs_of_visible_leads(
    client, rep, other_rep, support_agent, manager
):
    mine = LeadFactory(owner=rep, contact=ContactFactory(first_name="Mina", last_name="Own"))
    theirs = LeadFactory(
        owner=other_rep, contact=ContactFactory(first_name="Theo", last_name="Other")
    )
    LeadHandoff.objects.create(lead=mine, owner=rep, score=60)
    LeadHandoff.objects.create(lead=theirs, owner=other_rep, score=70)

    # The scoring model is marketing's working data (crm/policies.py "marketing").
    for outsider in (rep, support_agent):
        client.force_login(outsider)
        assert client.get(reverse("marketing:scoring")).status_code == 403
    client.force_login(manager)
    html = client.get(reverse("marketing:scoring")).content.decode()
    assert "Mina Own" in html and "Theo Other" in html
