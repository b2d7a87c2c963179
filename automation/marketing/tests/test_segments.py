"""Segments compile to one SQL filter; the live count; enrolling a segment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from automation.marketing.models import ContactScore, StepKind
from automation.marketing.segmenting import check_segment_conditions, segment_contacts
from automation.marketing.services.campaigns import step_create
from automation.marketing.services.enrollments import campaign_enroll_segment
from automation.marketing.services.progress import due_steps_run
from automation.marketing.services.segments import segment_create
from automation.models import Enrollment
from crm.models import InteractionKind, Lifecycle
from crm.services.contacts import contact_set_tags, interaction_record
from crm.services.revenue import purchase_record
from crm.tests.factories import CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    now = timezone.now()
    vip = ContactFactory(
        first_name="Vip",
        lifecycle=Lifecycle.CUSTOMER,
        income_band="high",
        birth_date=now.date().replace(year=now.year - 40),
    )
    contact_set_tags(contact=vip, actor=None, tags=["vip", "newsletter"])
    visitor = ContactFactory(first_name="Visitor", gender="female")
    interaction_record(
        actor=None,
        contact=visitor,
        kind=InteractionKind.WEBSITE_VISIT,
        occurred_at=now - timedelta(days=3),
    )
    stale = ContactFactory(first_name="Stale")
    interaction_record(
        actor=None,
        contact=stale,
        kind=InteractionKind.WEBSITE_VISIT,
        occurred_at=now - timedelta(days=40),
    )
    buyer = ContactFactory(first_name="Buyer")
    for _ in range(2):
        purchase_record(actor=None, contact=buyer, amount=Decimal("5"))
    ContactScore.objects.create(contact=visitor, score=42)
    return {"vip": vip, "visitor": visitor, "stale": stale, "buyer": buyer}


def _names(match, conditions):
    conditions = check_segment_conditions(conditions)
    return sorted(
        segment_contacts(match=match, conditions=conditions).values_list("first_name", flat=True)
    )


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ([{"field": "tag", "operator": "has", "value": "VIP"}], ["Vip"]),
        ([{"field": "tag", "operator": "not_has", "value": "vip"}], ["Buyer", "Stale", "Visitor"]),
        ([{"field": "website_visit", "operator": "within_days", "value": "7"}], ["Visitor"]),
        (
            [{"field": "website_visit", "operator": "within_days", "value": 60}],
            ["Stale", "Visitor"],
        ),
        ([{"field": "score", "operator": "gte", "value": "40"}], ["Visitor"]),
        ([{"field": "score", "operator": "lte", "value": "0"}], ["Buyer", "Stale", "Vip"]),
        ([{"field": "lifecycle", "operator": "is", "value": "customer"}], ["Buyer", "Vip"]),
        ([{"field": "age", "operator": "gte", "value": "40"}], ["Vip"]),
        ([{"field": "age", "operator": "lte", "value": "39"}], []),
        ([{"field": "gender", "operator": "is_not", "value": "female"}], ["Buyer", "Stale", "Vip"]),
        ([{"field": "purchase_count", "operator": "gte", "value": "2"}], ["Buyer"]),
        ([{"field": "purchased", "operator": "within_days", "value": "1"}], ["Buyer"]),
    ],
)
def test_conditions(people, conditions, expected):
    assert _names("all", conditions) == expected


def test_all_and_any(people):
    rules = [
        {"field": "tag", "operator": "has", "value": "vip"},
        {"field": "income_band", "operator": "is", "value": "high"},
    ]
    assert _names("all", rules) == ["Vip"]
    either = [rules[0], {"field": "website_visit", "operator": "within_days", "value": "7"}]
    assert _names("any", either) == ["Vip", "Visitor"]


def test_count_is_one_query_whatever_the_conditions(people, django_assert_num_queries):
    conditions = check_segment_conditions(
        [
            {"field": "tag", "operator": "has", "value": "vip"},
            {"field": "score", "operator": "gte", "value": "1"},
            {"field": "purchase_count", "operator": "gte", "value": "1"},
            {"field": "website_visit", "operator": "not_within_days", "value": "30"},
        ]
    )
    with django_assert_num_queries(1):
        segment_contacts(match="any", conditions=conditions).count()


@pytest.mark.parametrize(
    "conditions",
    [
        [{"field": "shoe_size", "operator": "is", "value": "9"}],
        [{"field": "tag", "operator": "gte", "value": "x"}],
        [{"field": "score", "operator": "gte", "value": "lots"}],
        [{"field": "lifecycle", "operator": "is", "value": "alien"}],
        [{"field": "website_visit", "operator": "within_days", "value": "0"}],
        "not a list",
        [1],
    ],
)
def test_bad_conditions_are_refused(conditions):
    with pytest.raises(ValidationError):
        check_segment_conditions(conditions)


def test_enrolling_a_segment_skips_opted_out_and_already_enrolled(people, run_on_commit):
    ContactFactory(first_name="Nope", opted_out=True, lifecycle=Lifecycle.CUSTOMER)
    ContactFactory(first_name="NoMail", email="", lifecycle=Lifecycle.CUSTOMER)
    segment = segment_create(
        actor=None,
        name="Customers",
        conditions=[{"field": "lifecycle", "operator": "is", "value": "customer"}],
    )
    campaign = CampaignFactory()
    step_create(
        campaign=campaign,
        actor=None,
        kind=StepKind.EMAIL,
        subject="Hi {{ contact.first_name }}",
        body="x",
    )
    assert (
        run_on_commit(campaign_enroll_segment, campaign=campaign, segment=segment, actor=None) == 2
    )
    assert campaign_enroll_segment(campaign=campaign, segment=segment, actor=None) == 0
    run_on_commit(due_steps_run)
    assert sorted(m.subject for m in mail.outbox) == ["Hi Buyer", "Hi Vip"]
    assert Enrollment.objects.filter(campaign=campaign).count() == 2
