"""A hand-built June 2025 where every KPI of the catalogue has rows to count.

Each KPI's numerator and denominator is non-empty company-wide, and the rep, the rep's
team, the pipeline and the campaign each own a share of them, so a drill-down that drifts
from its aggregate in any scope shows up as a different count.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from crm.models import (
    ActivityKind,
    Contact,
    CustomerSpell,
    DealKind,
    DealStatus,
    LeadStatus,
    Referral,
    Role,
    StageChange,
    SubscriptionStatus,
)
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    DealFactory,
    LeadFactory,
    NpsResponseFactory,
    PurchaseFactory,
    SpendFactory,
    SubscriptionFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)
from goals.tests.factories import QuotaFactory
from metrics.scopes import Period, Scope
from metrics.tests.conftest import at

JUNE = Period(date(2025, 6, 1), date(2025, 7, 1))


def customer(owner, since: str, *, ended: str | None = None, first=True, **kw) -> Contact:
    contact = Contact.objects.create(
        first_name=kw.pop("first_name", "Customer"),
        last_name=kw.pop("last_name", since),
        owner=owner,
    )
    CustomerSpell.objects.create(
        contact=contact, started_at=at(since), ended_at=at(ended) if ended else None, first=first
    )
    return contact


def build(prefix: str = "dd") -> SimpleNamespace:
    team = TeamFactory(name=f"{prefix} team")
    rep = UserFactory(role=Role.REP, username=f"{prefix}rep", team=team)
    rep2 = UserFactory(role=Role.REP, username=f"{prefix}rep2")
    pipeline, stages = pipeline_with_stages(name=f"{prefix} pipeline")
    campaign = CampaignFactory(name=f"{prefix} campaign")

    # Customers: new in June (rep), steady (rep2), churned in June (rep), repeat (rep).
    new = customer(rep, "2025-06-02", first_name="Nora")
    steady = customer(rep2, "2024-01-01", first_name="Sami")
    churned = customer(rep, "2024-03-01", ended="2025-06-15", first_name="Chen")
    repeat = customer(rep, "2024-11-01", first_name="Rita")

    # Leads and the activities on them.
    converted = LeadFactory(
        contact=new,
        owner=rep,
        campaign=campaign,
        created_at=at("2025-06-05"),
        converted_at=at("2025-06-10"),
        status=LeadStatus.CONVERTED,
    )
    open_lead = LeadFactory(contact=steady, owner=rep, created_at=at("2025-06-06"))
    LeadFactory(
        contact=churned,
        owner=rep2,
        campaign=campaign,
        created_at=at("2025-06-07"),
        status=LeadStatus.DISQUALIFIED,
    )
    LeadFactory(contact=repeat, owner=rep, created_at=at("2025-05-07"))  # May: out
    ActivityFactory(kind=ActivityKind.CALL, lead=converted, assignee=rep, done_at=at("2025-06-08"))
    ActivityFactory(kind=ActivityKind.EMAIL, lead=converted, assignee=rep, done_at=at("2025-06-09"))
    ActivityFactory(kind=ActivityKind.CALL, lead=open_lead, assignee=rep2, done_at=at("2025-06-10"))

    # Deals: won, lost, open, won from a May cohort, an upsell; one in April (out).
    def deal(owner, created, *, status=DealStatus.OPEN, closed=None, value="1000.00", **kw):
        return DealFactory(
            stage=stages[0],
            owner=owner,
            created_at=at(created),
            closed_at=at(closed) if closed else None,
            status=status,
            value=Decimal(value),
            **kw,
        )

    won = deal(rep, "2025-06-03", status=DealStatus.WON, closed="2025-06-20")
    deal(rep, "2025-06-04", status=DealStatus.LOST, closed="2025-06-15")
    still_open = deal(rep2, "2025-06-05", value="700.00")
    deal(rep, "2025-05-01", status=DealStatus.WON, closed="2025-06-02", value="1500.00")
    deal(
        rep2,
        "2025-06-10",
        status=DealStatus.WON,
        closed="2025-06-25",
        kind=DealKind.UPSELL,
        contact=steady,
        value="300.00",
    )
    deal(rep, "2025-04-01", status=DealStatus.WON, closed="2025-04-20")
    StageChange.objects.create(
        deal=won, stage=stages[0], entered_at=at("2025-06-03"), left_at=at("2025-06-10")
    )
    StageChange.objects.create(
        deal=still_open, stage=stages[0], entered_at=at("2025-05-20"), left_at=at("2025-06-06")
    )

    # Purchases: the new customer's first two (two categories, one from the campaign).
    PurchaseFactory(
        contact=new,
        deal=won,
        amount=Decimal("100.00"),
        purchased_at=at("2025-06-02", 13),
        category="Software",
        campaign=campaign,
    )
    PurchaseFactory(
        contact=new, amount=Decimal("50.00"), purchased_at=at("2025-06-20"), category="Training"
    )
    PurchaseFactory(contact=steady, amount=Decimal("200.00"), purchased_at=at("2025-06-12"))
    PurchaseFactory(contact=repeat, amount=Decimal("80.00"), purchased_at=at("2024-12-01"))
    PurchaseFactory(contact=repeat, amount=Decimal("90.00"), purchased_at=at("2025-02-01"))

    SubscriptionFactory(
        contact=steady,
        renewal_due=date(2025, 6, 10),
        status=SubscriptionStatus.RENEWED,
        renewed_at=at("2025-06-09"),
    )
    SubscriptionFactory(contact=churned, renewal_due=date(2025, 6, 20))
    SpendFactory(month=date(2025, 6, 1), amount=Decimal("900.00"), campaign=campaign)
    SpendFactory(month=date(2025, 6, 1), amount=Decimal("300.00"))
    SpendFactory(month=date(2025, 5, 1), amount=Decimal("500.00"))  # May: out
    Referral.objects.create(referrer=new, referred=steady, referred_on=date(2025, 6, 5))
    QuotaFactory(owner=rep, start=date(2025, 6, 1), end=date(2025, 7, 1), amount=Decimal("5000"))
    TicketFactory(assignee=rep, opened_at=at("2025-06-01"), resolved_at=at("2025-06-02"))
    TicketFactory(assignee=rep2, opened_at=at("2025-06-03"), resolved_at=at("2025-06-05", 18))
    NpsResponseFactory(contact=new, score=10, responded_at=at("2025-06-11"))
    NpsResponseFactory(contact=steady, score=3, responded_at=at("2025-06-12"))
    NpsResponseFactory(contact=churned, score=8, responded_at=at("2025-06-13"))
    NpsResponseFactory(contact=repeat, score=5, scale=5, responded_at=at("2025-06-14"))

    return SimpleNamespace(
        rep=rep,
        rep2=rep2,
        team=team,
        pipeline=pipeline,
        stages=stages,
        campaign=campaign,
        scopes={
            "company": Scope.company(),
            "owner": Scope.owner(rep),
            "team": Scope.team(team),
            "pipeline": Scope.pipeline(pipeline),
            "campaign": Scope.campaign(campaign),
        },
    )
