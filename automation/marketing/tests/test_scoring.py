"""Lead scoring: behaviour and attributes raise scores, decay lowers them, one handoff."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from automation.marketing.models import ContactScore, LeadHandoff, RuleKind
from automation.marketing.scoring import contacts_with_scores, scoring_model_get
from automation.marketing.services.reactions import event_react
from automation.marketing.services.scoring import (
    scores_recompute_all,
    scoring_model_update,
    scoring_rule_create,
)
from crm.models import Activity, ActivityKind, DomainEvent, InteractionKind, Lead, LeadStatus, Role
from crm.services.contacts import interaction_record
from crm.services.leads import lead_create
from crm.services.revenue import purchase_record
from crm.tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def model(db):
    scoring_model_update(actor=None, data={"threshold": 30, "half_life_days": 7, "max_score": 100})
    scoring_rule_create(
        actor=None, kind=RuleKind.BEHAVIOUR, field="website_visit", points=5, cap=15
    )
    scoring_rule_create(actor=None, kind=RuleKind.BEHAVIOUR, field="form_submission", points=10)
    scoring_rule_create(actor=None, kind=RuleKind.BEHAVIOUR, field="purchase", points=8)
    scoring_rule_create(
        actor=None, kind=RuleKind.ATTRIBUTE, field="income_band", value="high", points=7
    )
    return scoring_model_get()


@pytest.fixture
def reps(db):
    return [UserFactory(role=Role.REP, username=f"rr{i}") for i in range(2)]


def _react_all():
    for event in DomainEvent.objects.order_by("pk"):
        event_react(event_id=event.pk)


def _visit(contact, at=None):
    return interaction_record(
        actor=None,
        contact=contact,
        kind=InteractionKind.WEBSITE_VISIT,
        occurred_at=at,
        url="https://x.example/p",
    )


def _score(contact):
    return contacts_with_scores().get(pk=contact.pk).computed_score


def test_behaviours_and_attributes_add_up_with_caps(model):
    contact = ContactFactory(income_band="high")
    with time_machine.travel(NOW, tick=False):
        assert _score(contact) == 7
        for _ in range(4):
            _visit(contact)  # 4 x 5 = 20, capped at 15
        interaction_record(actor=None, contact=contact, kind=InteractionKind.FORM_SUBMISSION)
        purchase_record(actor=None, contact=contact, amount=Decimal("10"))
        assert _score(contact) == 7 + 15 + 10 + 8


def test_behaviour_decays_with_the_half_life(model):
    contact = ContactFactory()
    with time_machine.travel(NOW, tick=False):
        interaction_record(
            actor=None,
            contact=contact,
            kind=InteractionKind.FORM_SUBMISSION,
            occurred_at=NOW - timedelta(days=8),
        )
        # One week old: half of 10 points (weekly steps of a 7-day half-life).
        assert _score(contact) == 5
        scoring_model_update(actor=None, data={"half_life_days": 0})
        assert _score(contact) == 10


def test_crossing_the_threshold_hands_the_lead_over_exactly_once(model, reps):
    contact = ContactFactory()
    with time_machine.travel(NOW, tick=False) as clock:
        lead = lead_create(actor=None, contact=contact)
        interaction_record(actor=None, contact=contact, kind=InteractionKind.FORM_SUBMISSION)
        _react_all()
        lead.refresh_from_db()
        assert (lead.score, lead.status, lead.handed_off_at) == (10, LeadStatus.NEW, None)

        for _ in range(3):
            _visit(contact)
        interaction_record(actor=None, contact=contact, kind=InteractionKind.FORM_SUBMISSION)
        _react_all()
        _react_all()  # redelivered events: nothing happens twice

        lead.refresh_from_db()
        assert lead.score == 35
        assert lead.status == LeadStatus.QUALIFIED
        assert lead.owner in reps
        handoff = LeadHandoff.objects.get(lead=lead)
        tasks = Activity.objects.filter(lead=lead)
        assert [(t.kind, t.assignee_id, t.pk) for t in tasks] == [
            (ActivityKind.CALL, lead.owner_id, handoff.activity_id)
        ]

        # Decay takes it under, new visits take it over again: still one handoff, one task.
        clock.move_to(NOW + timedelta(days=60))
        scores_recompute_all()
        assert ContactScore.objects.get(contact=contact).score < 30
        for _ in range(3):
            _visit(contact)
        interaction_record(actor=None, contact=contact, kind=InteractionKind.FORM_SUBMISSION)
        interaction_record(actor=None, contact=contact, kind=InteractionKind.FORM_SUBMISSION)
        _react_all()
        scores_recompute_all()
    assert LeadHandoff.objects.count() == 1
    assert Activity.objects.filter(lead=lead).count() == 1


def test_handoffs_go_round_robin_over_the_reps(model, reps):
    owners = []
    for _ in range(4):
        contact = ContactFactory()
        lead = lead_create(actor=None, contact=contact)
        for _ in range(3):
            interaction_record(actor=None, contact=contact, kind=InteractionKind.FORM_SUBMISSION)
        _react_all()
        lead.refresh_from_db()
        owners.append(lead.owner_id)
    assert owners == [reps[0].pk, reps[1].pk, reps[0].pk, reps[1].pk]


def test_the_handoff_task_reads_in_its_assignees_language(model):
    korean = UserFactory(role=Role.REP, username="minjun", language="ko")
    contact = ContactFactory(first_name="Elif", last_name="Şahin")
    lead = lead_create(actor=None, contact=contact)
    for _ in range(3):
        interaction_record(actor=None, contact=contact, kind=InteractionKind.FORM_SUBMISSION)
    with translation.override("de"):  # whatever the worker's language happens to be
        _react_all()
    task = Activity.objects.get(lead=lead)
    assert task.assignee == korean
    assert task.subject == "자격 있는 리드 Elif Şahin 후속 조치(점수 30)"


def test_nightly_recompute_applies_only_changes(model):
    fresh = ContactFactory()
    ContactFactory()  # scores 0 and has no row: not a change
    with time_machine.travel(NOW, tick=False) as clock:
        interaction_record(actor=None, contact=fresh, kind=InteractionKind.FORM_SUBMISSION)
        assert scores_recompute_all() == 1
        assert scores_recompute_all() == 0
        clock.move_to(NOW + timedelta(days=8))
        assert scores_recompute_all() == 1
    assert ContactScore.objects.get(contact=fresh).score == 5
    assert Lead.objects.count() == 0


def test_scoring_rule_validation_names_the_field(model):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        scoring_rule_create(
            actor=None, kind=RuleKind.ATTRIBUTE, field="income_band", value="galactic", points=1
        )
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError):
        scoring_rule_create(actor=None, kind=RuleKind.BEHAVIOUR, field="telepathy", points=1)
