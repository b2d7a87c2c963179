"""The reports' grouped queries (issue 20) on the cases a per-row subquery used to decide,
and each report page's query count as a constant whatever the rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import CustomerSpell, Deal, DealStatus, LeadStatus, Role, StageChange, TicketStatus
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NpsResponseFactory,
    PurchaseFactory,
    SpendFactory,
    TicketFactory,
    pipeline_with_stages,
)
from metrics.reports import marketing_report, pipeline_bottlenecks, support_report
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db


def _first_spell(contact, day):
    CustomerSpell.objects.create(contact=contact, started_at=at(day), first=True)


def _stay(deal, stage, entered, left=None):
    StageChange.objects.create(
        deal=deal, stage=stage, entered_at=at(entered), left_at=at(left) if left else None
    )


# --- Marketing -------------------------------------------------------------------------


def test_marketing_credits_each_new_customer_once_per_campaign(june):
    spring, autumn = CampaignFactory(name="Spring"), CampaignFactory(name="Autumn")
    # Bought through Spring and came as its lead: one new customer, not two.
    both = ContactFactory()
    _first_spell(both, "2025-06-03")
    PurchaseFactory(contact=both, campaign=spring, purchased_at=at("2025-06-04"), amount=100)
    LeadFactory(contact=both, campaign=spring, created_at=at("2025-06-02"))
    # A lead of Autumn from before the period still credits Autumn with the customer.
    came_earlier = ContactFactory()
    _first_spell(came_earlier, "2025-06-10")
    LeadFactory(contact=came_earlier, campaign=autumn, created_at=at("2025-01-05"))
    # A reversed purchase credits nothing and earns nothing.
    refunded = ContactFactory()
    _first_spell(refunded, "2025-06-12")
    PurchaseFactory(
        contact=refunded,
        campaign=autumn,
        purchased_at=at("2025-06-12"),
        reversed_at=at("2025-06-13"),
    )
    # A customer since March is no new customer, though their June purchase is revenue.
    regular = ContactFactory()
    _first_spell(regular, "2025-03-01")
    PurchaseFactory(contact=regular, campaign=spring, purchased_at=at("2025-06-20"), amount=50)
    # Autumn's June leads: one converted in June, one only in July.
    LeadFactory(
        campaign=autumn,
        created_at=at("2025-06-05"),
        status=LeadStatus.CONVERTED,
        converted_at=at("2025-06-08"),
    )
    LeadFactory(
        campaign=autumn,
        created_at=at("2025-06-06"),
        status=LeadStatus.CONVERTED,
        converted_at=at("2025-07-08"),
    )
    SpendFactory(campaign=spring, month=date(2025, 6, 1), amount=Decimal("300.00"))

    rows = {
        r["campaign"].name: (
            r["revenue"],
            r["new_customers"],
            r["spend"],
            r["cac"],
            r["leads"],
            r["conversion"],
        )
        for r in marketing_report(june)
        if r["campaign"] in (spring, autumn)  # not the seeded Nurture campaign
    }

    assert rows == {
        "Autumn": (Decimal("0.00"), 1, Decimal("0.00"), Decimal("0.00"), 2, Decimal("50")),
        "Spring": (Decimal("150.00"), 1, Decimal("300.00"), Decimal("300.00"), 1, Decimal("0")),
    }
    names = [r["campaign"].name for r in marketing_report(june)]
    assert names == sorted(names)


# --- Support ---------------------------------------------------------------------------


def test_support_lists_every_agent_and_counts_the_period_and_overdue_tickets(
    june, support_agent, make_user
):
    idle = make_user(Role.SUPPORT, username="idle")
    gone = make_user(Role.SUPPORT, username="gone", is_active=False)
    make_user(Role.SUPPORT, username="never", is_active=False)
    helper = make_user(Role.REP, username="helper")
    resolved = {"status": TicketStatus.RESOLVED}
    # Four hours, after the SLA; then two hours, within it; then one in May (not counted).
    TicketFactory(
        assignee=support_agent,
        opened_at=at("2025-06-02", 8),
        sla_due_at=at("2025-06-02", 10),
        resolved_at=at("2025-06-02", 12),
        **resolved,
    )
    TicketFactory(
        assignee=support_agent,
        opened_at=at("2025-06-03", 8),
        sla_due_at=at("2025-06-04", 8),
        resolved_at=at("2025-06-03", 10),
        **resolved,
    )
    TicketFactory(
        assignee=support_agent,
        opened_at=at("2025-05-03"),
        sla_due_at=at("2025-05-03", 13),
        resolved_at=at("2025-05-04"),
        **resolved,
    )
    TicketFactory(
        assignee=gone, opened_at=at("2024-01-01"), resolved_at=at("2024-01-02"), **resolved
    )
    # Overdue now: open past its SLA; not yet: pending, due tomorrow.
    TicketFactory(assignee=helper, opened_at=at("2025-01-01"), sla_due_at=at("2025-01-02"))
    TicketFactory(
        assignee=helper,
        opened_at=timezone.now() - timedelta(hours=1),
        sla_due_at=timezone.now() + timedelta(days=1),
        status=TicketStatus.PENDING,
    )
    TicketFactory(assignee=None, opened_at=at("2025-06-05"), resolved_at=at("2025-06-06"))

    agents = {
        a["agent"]: (a["resolved"], a["avg_hours"], a["breached"], a["overdue"])
        for a in support_report(june)["agents"]
    }

    assert agents == {
        support_agent.pk: (2, Decimal("3"), 1, 0),
        idle.pk: (0, None, 0, 0),
        gone.pk: (0, None, 0, 0),
        helper.pk: (0, None, 0, 1),
    }
    names = [a["agent"] for a in support_report(june)["agents"]]
    assert names == [gone.pk, helper.pk, idle.pk, support_agent.pk]  # by username


# --- Pipeline bottlenecks --------------------------------------------------------------


def test_pipeline_funnel_counts_the_furthest_stage_of_history_or_now(june, rep, other_rep):
    pipeline, (qualified, analysis, proposal, negotiation) = pipeline_with_stages()
    # Reached Proposal, then moved back to Qualified.
    back = DealFactory(stage=qualified, owner=rep, created_at=at("2025-06-02"))
    _stay(back, qualified, "2025-06-02", "2025-06-04")
    _stay(back, proposal, "2025-06-04", "2025-06-10")
    _stay(back, qualified, "2025-06-10")
    # Imported into Needs analysis without any history.
    DealFactory(stage=analysis, owner=other_rep, created_at=at("2025-06-03"))
    # Won from Negotiation, through every stage.
    won = DealFactory(
        stage=negotiation,
        owner=rep,
        status=DealStatus.WON,
        created_at=at("2025-06-05"),
        closed_at=at("2025-06-25"),
    )
    for stage, entered, left in [
        (qualified, "2025-06-05", "2025-06-06"),
        (analysis, "2025-06-06", "2025-06-08"),
        (proposal, "2025-06-08", "2025-06-20"),
        (negotiation, "2025-06-20", "2025-06-25"),
    ]:
        _stay(won, stage, entered, left)
    # Created in May: outside the cohort, but still open in Proposal.
    DealFactory(stage=proposal, owner=other_rep, created_at=at("2025-05-02"))

    data = pipeline_bottlenecks(june, pipeline)

    assert [(r.stage.name, r.reached, r.conversion) for r in data["stages"]] == [
        ("Qualified", 3, None),
        ("Needs analysis", 3, Decimal("100")),
        ("Proposal", 2, Decimal("66.6667")),
        ("Negotiation", 1, Decimal("50")),
    ]
    assert (data["cohort"], data["won"], data["won_conversion"]) == (3, 1, Decimal("100"))
    assert [(r.open_count, r.share, r.exits, r.mean_days) for r in data["stages"]] == [
        (1, Decimal("33.3333"), 2, Decimal("1.5")),
        (1, Decimal("33.3333"), 1, Decimal("2")),
        (1, Decimal("33.3333"), 2, Decimal("9")),
        (0, Decimal("0"), 1, Decimal("5")),
    ]
    assert data["total_open"] == 3

    mine = pipeline_bottlenecks(june, pipeline, deals=Deal.objects.filter(owner=rep))

    assert [(r.open_count, r.reached, r.exits) for r in mine["stages"]] == [
        (1, 2, 2),
        (0, 2, 1),
        (0, 2, 2),
        (0, 1, 1),
    ]
    assert (mine["cohort"], mine["won"], mine["total_open"]) == (2, 1, 1)


# --- Query counts ----------------------------------------------------------------------

# Each report page's queries (session, user, the report's grouped queries, the page's
# chrome): the same at 1 row of everything as at 8.
PAGE_QUERIES = {
    "metrics:report_sales": 9,
    "metrics:report_pipeline": 13,
    "metrics:report_support": 6,
    "metrics:report_marketing": 9,
}
JUNE = {"period": "custom", "start": "2025-06-01", "end": "2025-07-01"}


def _add_rows(n, pipeline, stages, make_user):
    """n of everything every report reads, in June 2025."""
    for i in range(n):
        owner = make_user(Role.REP)
        agent = make_user(Role.SUPPORT)
        campaign = CampaignFactory()
        deal = DealFactory(stage=stages[i % 3], owner=owner, created_at=at("2025-06-02"))
        _stay(deal, stages[0], "2025-06-02", "2025-06-03")
        _stay(deal, stages[i % 3], "2025-06-03")
        DealFactory(
            stage=stages[2],
            owner=owner,
            status=DealStatus.WON,
            currency="EUR",
            created_at=at("2025-06-01"),
            closed_at=at("2025-06-09"),
        )
        contact = ContactFactory()
        _first_spell(contact, "2025-06-04")
        lead = LeadFactory(contact=contact, campaign=campaign, owner=owner)
        ActivityFactory(lead=lead, assignee=owner, done_at=at("2025-06-05"))
        PurchaseFactory(contact=contact, campaign=campaign, purchased_at=at("2025-06-04"))
        SpendFactory(campaign=campaign, month=date(2025, 6, 1))
        TicketFactory(
            assignee=agent,
            opened_at=at("2025-06-06", 8),
            sla_due_at=at("2025-06-06", 9),
            resolved_at=at("2025-06-06", 10),
        )
        NpsResponseFactory(contact=contact, responded_at=at("2025-06-07"))


@pytest.mark.parametrize("name", list(PAGE_QUERIES))
def test_report_page_runs_a_constant_number_of_queries(
    client, manager, make_user, name, django_assert_max_num_queries
):
    pipeline, stages = pipeline_with_stages(is_default=True)
    stages[1].rotting_days = 7  # so the page also looks for stuck deals
    stages[1].save()
    client.force_login(manager)
    counts = []
    for n in (1, 7):
        _add_rows(n, pipeline, stages, make_user)
        with django_assert_max_num_queries(PAGE_QUERIES[name]) as queries:
            response = client.get(reverse(name), {**JUNE, "pipeline": pipeline.pk})
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] == PAGE_QUERIES[name]
