"""Deals with real stage histories, and the calls, emails and meetings around them.

Every deal is played forward through the services: created in the first stage, moved
stage by stage at historical moments, then won or lost, so StageChange rows, purchases
and customer lifecycles are exactly what the product itself would have recorded.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from crm.models import (
    ActivityKind,
    CallOutcome,
    Deal,
    DealKind,
    DealStatus,
    ForecastCategory,
    Lifecycle,
)
from crm.services.activities import activity_create
from crm.services.deals import deal_create, deal_mark_lost, deal_mark_won, deal_move_to_stage
from crm.services.leads import lead_convert

from .context import DemoContext
from .people import PlannedLead
from .setup import SALES
from .vocabulary import LOST_REASONS, PRODUCTS, label

WON, LOST, STALLED = "won", "lost", "stalled"
# Where lost and stalled deals stop: most stall in "Needs analysis", the bottleneck the
# pipeline report should make visible.
STOP_WEIGHTS = [25, 45, 20, 10]

DONE_SUBJECTS = {
    ActivityKind.CALL: [
        _("Discovery call"),
        _("Follow-up call"),
        _("Pricing call"),
        _("Check-in call"),
    ],
    ActivityKind.EMAIL: [_("Sent proposal"), _("Sent case study"), _("Answered questions")],
    ActivityKind.MEETING: [_("Product demo"), _("On-site visit"), _("Negotiation meeting")],
}


@dataclass
class DealPlan:
    moves: list  # (stage, entered_at), first is the creation
    outcome: str  # won, lost or open
    closed_at: datetime | None


def plan_deal(ctx: DemoContext, *, pipeline: str, created_at: datetime, odds) -> DealPlan:
    """Walk forward through the stages from `created_at`; stop at today if not done."""
    stages = ctx.stages[pipeline]
    target = ctx.rng.choices([WON, LOST, STALLED], odds)[0]
    last = len(stages) - 1
    if target != WON:
        last = ctx.rng.choices(range(len(stages)), STOP_WEIGHTS[: len(stages)])[0]
    moves, moment = [], created_at
    for index in range(last + 1):
        if moment >= ctx.anchor:
            break
        moves.append((stages[index], moment))
        mean = ctx.stage_mean_days[stages[index].pk]
        moment = moment + timedelta(days=mean * ctx.rng.uniform(0.4, 1.8))
    done = len(moves) == last + 1 and moment < ctx.anchor and target != STALLED
    return DealPlan(moves=moves, outcome=target if done else "open", closed_at=moment)


def play_deal(ctx: DemoContext, deal, plan: DealPlan):
    """Move an already created deal through the rest of its plan."""
    owner = deal.owner
    for stage, entered_at in plan.moves[1:]:
        deal = deal_move_to_stage(deal=deal, stage=stage, actor=owner, at=entered_at)
    if plan.outcome == WON:
        category = next(
            (c for c, product, _r in PRODUCTS if deal.title.endswith(label(product))), ""
        )
        deal = deal_mark_won(
            deal=deal, actor=owner, at=plan.closed_at, category=label(category), automate=False
        )
    elif plan.outcome == LOST:
        deal = deal_mark_lost(
            deal=deal,
            actor=owner,
            reason=label(ctx.rng.choice(LOST_REASONS)),
            at=plan.closed_at,
            automate=False,
        )
    log_deal_activities(ctx, deal)
    return deal


def deal_value(ctx: DemoContext, *, low: int, high: int) -> Decimal:
    # A fifth of deals are small (≤ $500): the default automation sends those to Nurture.
    if ctx.chance(0.2):
        return Decimal(ctx.rng.randrange(150, 500, 25))
    return Decimal(ctx.rng.randrange(low, high * 2, 50))


def _expected_close(ctx: DemoContext, created_at: datetime):
    return (created_at + timedelta(days=ctx.rng.randint(40, 110))).date()


def make_lead_deals(ctx: DemoContext, planned: list[PlannedLead]) -> list:
    deals = []
    for item in planned:
        if item.convert_at is None:
            continue
        lead = item.lead
        plan = plan_deal(ctx, pipeline=SALES, created_at=item.convert_at, odds=[0.42, 0.5, 0.08])
        _category, product, (low, high) = ctx.rng.choice(PRODUCTS)
        lead = lead_convert(
            lead=lead,
            actor=lead.owner,
            at=item.convert_at,
            title=f"{lead.contact.company or lead.contact}: {label(product)}",
            value=deal_value(ctx, low=low, high=high),
            kind=DealKind.NEW,
            pipeline=ctx.pipelines[SALES],
            expected_close_date=_expected_close(ctx, item.convert_at),
            created_at=item.convert_at,
            automate=False,
        )
        deals.append(play_deal(ctx, lead.deal, plan))
    return deals


def make_direct_deals(ctx: DemoContext, contacts: list) -> list:
    deals = []
    for contact in contacts[:45]:
        created = ctx.between(contact.created_at, ctx.anchor - timedelta(hours=1))
        deals.append(
            new_deal(
                ctx, contact=contact, kind=DealKind.NEW, created_at=created, odds=[0.42, 0.5, 0.08]
            )
        )
    return deals


def new_deal(ctx: DemoContext, *, contact, kind, created_at, odds, pipeline=SALES, **fields):
    plan = plan_deal(ctx, pipeline=pipeline, created_at=created_at, odds=odds)
    if "title" not in fields:
        _category, product, (low, high) = ctx.rng.choice(PRODUCTS)
        fields["title"] = f"{contact.company or contact}: {label(product)}"
        fields["value"] = deal_value(ctx, low=low, high=high)
    owner = contact.owner or ctx.rep()
    deal = deal_create(
        actor=owner,
        owner=owner,
        contact=contact,
        company=contact.company,
        kind=kind,
        pipeline=ctx.pipelines[pipeline],
        stage=plan.moves[0][0],
        created_at=created_at,
        expected_close_date=_expected_close(ctx, created_at),
        automate=False,
        **fields,
    )
    return play_deal(ctx, deal, plan)


def make_expansion_deals(ctx: DemoContext, customers: list) -> list:
    """Upsells and cross-sells to existing customers who have not cancelled."""
    deals = []
    candidates = [
        c for c in customers if c.pk not in ctx.churn_at and c.customer_since < ctx.days_ago(25)
    ]
    for kind, count in ((DealKind.UPSELL, 55), (DealKind.CROSS_SELL, 45)):
        for contact in ctx.rng.sample(candidates, count):
            start = max(contact.customer_since + timedelta(days=20), ctx.days_ago(360))
            created = ctx.between(start, ctx.anchor - timedelta(days=1))
            deals.append(
                new_deal(
                    ctx, contact=contact, kind=kind, created_at=created, odds=[0.55, 0.37, 0.08]
                )
            )
    return deals


# Most calls reach someone. Picked from the call's time rather than the random generator,
# so the rest of the demo data stays exactly as it was before calls had outcomes.
DEMO_OUTCOMES = [
    CallOutcome.CONNECTED,
    CallOutcome.CONNECTED,
    CallOutcome.CONNECTED,
    CallOutcome.LEFT_VOICEMAIL,
    CallOutcome.NO_ANSWER,
    CallOutcome.BUSY,
]


def _demo_outcome(done) -> str:
    return DEMO_OUTCOMES[int(done.timestamp()) % len(DEMO_OUTCOMES)]


def log_deal_activities(ctx: DemoContext, deal) -> None:
    """Done calls, emails and meetings over the deal's life; a next step if it is open."""
    end = deal.closed_at or ctx.anchor
    kinds = [ActivityKind.CALL, ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING]
    for _activity in range(ctx.rng.randint(1, 3)):
        kind = ctx.rng.choice(kinds)
        done = ctx.between(deal.created_at, end)
        activity_create(
            actor=deal.owner,
            kind=kind,
            subject=label(ctx.rng.choice(DONE_SUBJECTS[kind])),
            assignee=deal.owner,
            deal=deal,
            due_at=done,
            done_at=done,
            outcome=_demo_outcome(done) if kind == ActivityKind.CALL else "",
            created_at=max(deal.created_at, done - timedelta(days=ctx.rng.uniform(0, 3))),
        )
    if deal.status == DealStatus.OPEN and ctx.chance(0.6):
        due = ctx.office_hours(ctx.anchor + timedelta(days=ctx.rng.randint(-6, 10)))
        activity_create(
            actor=deal.owner,
            kind=ctx.rng.choice([ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING]),
            subject=gettext("Next step: %(stage)s") % {"stage": deal.stage.name},
            assignee=deal.owner,
            deal=deal,
            due_at=due,
            created_at=ctx.between(deal.stage_entered_at or deal.created_at, ctx.anchor),
        )


def log_lead_calls(ctx: DemoContext, planned: list[PlannedLead]) -> None:
    """Calls on leads: what `calls_per_lead` counts."""
    for item in planned:
        lead = item.lead
        lead.refresh_from_db()
        if lead.owner is None or not lead.owner.has_role("rep"):
            continue
        end = item.convert_at or min(lead.created_at + timedelta(days=30), ctx.anchor)
        for _call in range(ctx.rng.choice([0, 1, 1, 2, 3])):
            done = ctx.between(lead.created_at, end)
            activity_create(
                actor=lead.owner,
                kind=ActivityKind.CALL,
                subject=gettext("Qualification call"),
                assignee=lead.owner,
                lead=lead,
                due_at=done,
                done_at=done,
                created_at=lead.created_at,
            )
        if lead.status in ("new", "working", "qualified") and ctx.chance(0.5):
            activity_create(
                actor=lead.owner,
                kind=ActivityKind.CALL,
                subject=gettext("Call the new lead"),
                assignee=lead.owner,
                lead=lead,
                due_at=ctx.office_hours(ctx.anchor + timedelta(days=ctx.rng.randint(-3, 5))),
                created_at=lead.created_at,
            )


def make_my_day(ctx: DemoContext) -> None:
    """Every rep starts the demo with calls due today, some overdue and some upcoming."""
    from crm.models import Deal

    for rep in ctx.reps:
        open_deals = list(Deal.objects.open().filter(owner=rep).order_by("id")[:8])
        for offset, deal in zip([0, 0, 0, -1, -3, 1, 2, 4], open_deals, strict=False):
            due = ctx.office_hours(ctx.anchor + timedelta(days=offset))
            activity_create(
                actor=rep,
                kind=ActivityKind.CALL if offset <= 0 else ActivityKind.MEETING,
                subject=gettext("Call %(who)s (%(stage)s)")
                % {"who": deal.contact or deal.title, "stage": deal.stage.name},
                assignee=rep,
                deal=deal,
                due_at=due,
                created_at=ctx.between(deal.created_at, ctx.anchor),
            )


def customers_of(contacts: list) -> list:
    """Refresh and keep those who are customers now."""
    from crm.models import Contact

    ids = [c.pk for c in contacts]
    return list(Contact.objects.filter(pk__in=ids, lifecycle=Lifecycle.CUSTOMER).order_by("pk"))


def mark_forecast_categories() -> int:
    """Open deals as reps would mark them: late stages commit, the middle best case.

    Two UPDATEs by stage position, no random draw (the demo's sequence stays as it was).
    """
    open_deals = Deal.objects.open()
    return open_deals.filter(stage__position__gte=3).update(
        forecast_category=ForecastCategory.COMMIT
    ) + open_deals.filter(stage__position=2).update(forecast_category=ForecastCategory.BEST_CASE)
