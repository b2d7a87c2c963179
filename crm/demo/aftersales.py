"""After the sale: subscriptions and renewals, repeat purchases, churn, support, NPS, spend."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max
from django.utils.translation import gettext

from crm.models import (
    Contact,
    Deal,
    DealKind,
    DealStatus,
    Lifecycle,
    Purchase,
    SpendCategory,
    SubscriptionStatus,
    TicketPriority,
)
from crm.services.contacts import contact_update, nps_record
from crm.services.revenue import (
    purchase_record,
    spend_record,
    subscription_create,
    subscription_update,
)
from crm.services.support import ticket_open, ticket_resolve, ticket_respond

from .context import DemoContext
from .sales import new_deal
from .setup import NURTURE, RENEWALS
from .vocabulary import NPS_COMMENTS, PLANS, PRODUCTS, TICKET_SUBJECTS, label


def _subscribe(ctx: DemoContext, contact, *, started_at, term_days: int, renewal_due=None):
    plan, yearly = ctx.rng.choice(PLANS)
    amount = Decimal(yearly) if term_days >= 365 else Decimal(round(yearly / 4))
    return subscription_create(
        actor=ctx.users["admin"],
        contact=contact,
        company=contact.company,
        plan=(gettext("%(plan)s (yearly)") if term_days >= 365 else gettext("%(plan)s (quarterly)"))
        % {"plan": label(plan)},
        amount=amount,
        started_at=started_at,
        renewal_due=renewal_due or (started_at + timedelta(days=term_days)).date(),
    )


def _renew(ctx: DemoContext, subscription, *, at, term_days: int):
    subscription_update(
        subscription=subscription,
        actor=ctx.users["admin"],
        data={"status": SubscriptionStatus.RENEWED, "renewed_at": at},
    )
    nxt = subscription_create(
        actor=ctx.users["admin"],
        contact=subscription.contact,
        company=subscription.company,
        plan=subscription.plan,
        amount=subscription.amount,
        started_at=at,
        renewal_due=subscription.renewal_due + timedelta(days=term_days),
    )
    return nxt


def _cancel(ctx: DemoContext, subscription, *, at) -> None:
    subscription_update(
        subscription=subscription,
        actor=ctx.users["admin"],
        data={"status": SubscriptionStatus.CANCELLED, "cancelled_at": at},
    )
    ctx.churn_at.setdefault(subscription.contact_id, at)


def make_legacy_subscriptions(ctx: DemoContext, customers: list) -> list:
    """Yearly plans of long-standing customers; each renewal is a deal in "Renewals"."""
    deals = []
    for contact in customers:
        if not ctx.chance(0.85):
            continue
        due = ctx.anchor + timedelta(days=ctx.rng.uniform(-340, 60))
        started = max(contact.customer_since, due - timedelta(days=365))
        subscription = _subscribe(
            ctx, contact, started_at=started, term_days=365, renewal_due=due.date()
        )
        opened = due - timedelta(days=30)
        if opened >= ctx.anchor:
            continue
        deal = new_deal(
            ctx,
            contact=contact,
            kind=DealKind.RENEWAL,
            created_at=opened,
            odds=[0.8, 0.2, 0.0],
            pipeline=RENEWALS,
            title=gettext("Renewal: %(plan)s · %(customer)s")
            % {"plan": subscription.plan, "customer": contact.company or contact},
            value=subscription.amount,
        )
        deals.append(deal)
        if deal.status == DealStatus.WON:
            _renew(ctx, subscription, at=deal.closed_at, term_days=365)
        elif deal.status == DealStatus.LOST:
            _cancel(ctx, subscription, at=deal.closed_at)
    return deals


def make_new_subscriptions(ctx: DemoContext, deals: list) -> None:
    """Some new customers also subscribe; quarterly plans renew (or not) on their own."""
    for deal in deals:
        if deal.status != DealStatus.WON or deal.contact_id is None or not ctx.chance(0.4):
            continue
        term = 91 if ctx.chance(0.4) else 365
        subscription = _subscribe(ctx, deal.contact, started_at=deal.closed_at, term_days=term)
        while True:
            due = ctx.anchor.replace(
                year=subscription.renewal_due.year,
                month=subscription.renewal_due.month,
                day=subscription.renewal_due.day,
            ) + timedelta(hours=10)
            if due >= ctx.anchor:
                break
            if ctx.chance(0.88):
                subscription = _renew(ctx, subscription, at=due, term_days=term)
            else:
                _cancel(ctx, subscription, at=due)
                break


def make_repeat_purchases(ctx: DemoContext, customers: list) -> None:
    for contact in customers:
        end = ctx.churn_at.get(contact.pk, ctx.anchor)
        start = contact.customer_since + timedelta(days=7)
        if start >= end:
            continue
        for _ in range(ctx.rng.choice([0, 0, 1, 1, 2, 3])):
            category, product, (low, high) = ctx.rng.choice(PRODUCTS)
            campaign = None
            if ctx.chance(0.4):
                campaign = ctx.lead_campaign.get(contact.pk)
            elif ctx.chance(0.1):
                campaign = ctx.rng.choice(list(ctx.campaigns.values()))
            purchase_record(
                actor=contact.owner,
                contact=contact,
                amount=Decimal(ctx.rng.randrange(low // 3, high // 2, 5)),
                purchased_at=ctx.between(start, end),
                product=label(product),
                category=label(category),
                campaign=campaign,
                automate=False,
            )


def apply_churn(ctx: DemoContext) -> None:
    """Cancelled subscribers churn; so do a few quiet customers without open deals."""
    with_open_deals = set(
        Deal.objects.filter(status=DealStatus.OPEN).values_list("contact_id", flat=True)
    )
    last_purchase = dict(
        Purchase.objects.values("contact_id")
        .annotate(last=Max("purchased_at"))
        .values_list("contact_id", "last")
    )
    quiet = Contact.objects.filter(lifecycle=Lifecycle.CUSTOMER).order_by("pk")
    for contact in quiet:
        if contact.pk in ctx.churn_at or contact.pk in with_open_deals or not ctx.chance(0.1):
            continue
        moment = last_purchase[contact.pk] + timedelta(days=ctx.rng.uniform(30, 120))
        if moment < ctx.days_ago(1):
            ctx.churn_at[contact.pk] = moment
    for contact in Contact.objects.filter(pk__in=ctx.churn_at).order_by("pk"):
        moment = max(ctx.churn_at[contact.pk], last_purchase.get(contact.pk, contact.created_at))
        contact_update(
            contact=contact,
            actor=ctx.users["admin"],
            data={"lifecycle": Lifecycle.CHURNED, "churned_at": moment},
        )


# Hours to resolve, typical for each priority (the SLA is tighter for urgent ones).
RESOLUTION_HOURS = {
    TicketPriority.URGENT: 3,
    TicketPriority.HIGH: 8,
    TicketPriority.NORMAL: 22,
    TicketPriority.LOW: 55,
}
PRIORITY_WEIGHTS = {
    TicketPriority.URGENT: 8,
    TicketPriority.HIGH: 22,
    TicketPriority.NORMAL: 50,
    TicketPriority.LOW: 20,
}


def make_tickets(ctx: DemoContext, customers: list, count: int = 240) -> None:
    support = ctx.users["support"]
    priorities, weights = zip(*PRIORITY_WEIGHTS.items(), strict=True)
    for _ in range(count):
        contact = ctx.rng.choice(customers)
        opened = ctx.between(max(contact.customer_since, ctx.days_ago(365)), ctx.anchor)
        priority = ctx.rng.choices(priorities, weights)[0]
        ticket = ticket_open(
            actor=support,
            subject=label(ctx.rng.choice(TICKET_SUBJECTS)),
            description=gettext("Reported by the customer through the help centre."),
            contact=contact,
            company=contact.company,
            priority=priority,
            opened_at=opened,
        )
        # Support gets faster over the year: the resolution-time trend should improve.
        age = (ctx.anchor - opened).days / 365
        hours = RESOLUTION_HOURS[priority] * ctx.rng.uniform(0.3, 2.0) * (0.8 + 0.6 * age)
        responded = opened + timedelta(hours=hours * ctx.rng.uniform(0.05, 0.4))
        if responded >= ctx.anchor or ctx.chance(0.04):  # a few wait in the open queue
            continue
        ticket_respond(
            ticket=ticket,
            actor=support,
            body=gettext("Thanks, we are looking into it."),
            at=responded,
        )
        resolved = opened + timedelta(hours=hours)
        if resolved < ctx.anchor and ctx.chance(0.95):
            ticket_resolve(ticket=ticket, actor=support, at=resolved)


def make_nps(ctx: DemoContext, customers: list, count: int = 320) -> None:
    for _ in range(count):
        contact = ctx.rng.choice(customers)
        responded = ctx.between(max(contact.customer_since, ctx.days_ago(365)), ctx.anchor)
        recent = 1 - (ctx.anchor - responded).days / 365  # NPS improves over the year
        roll = ctx.rng.random()
        promoter, detractor = 0.4 + 0.15 * recent, 0.3 - 0.12 * recent
        if roll < promoter:
            group, ten, five = "promoter", ctx.rng.choice([9, 10]), ctx.rng.choice([4, 5])
        elif roll < 1 - detractor:
            group, ten, five = "passive", ctx.rng.choice([7, 8]), 3
        else:
            group, ten, five = "detractor", ctx.rng.randint(0, 6), ctx.rng.choice([1, 2])
        scale = 5 if ctx.chance(0.15) else 10
        nps_record(
            actor=ctx.users["support"],
            contact=contact,
            score=five if scale == 5 else ten,
            scale=scale,
            comment=label(ctx.rng.choice(NPS_COMMENTS[group])),
            responded_at=responded,
            channel=ctx.rng.choice(["email", "in_app", "phone"]),
        )


def _month_start(ctx: DemoContext, months_back: int) -> date:
    year, month = ctx.anchor.year, ctx.anchor.month - months_back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def make_spend(ctx: DemoContext) -> None:
    """Twelve months of marketing and sales spend, part of it per campaign (CAC's cost)."""
    marketing = ctx.users["marketing"]
    per_campaign = ["Search ads", "LinkedIn outreach", "Spring webinar", "Trade fair", NURTURE]
    for months_back in range(11, -1, -1):
        month = _month_start(ctx, months_back)
        rows = [
            (SpendCategory.MARKETING, None, 150, 260, gettext("Agency and tools")),
            (SpendCategory.SALES, None, 120, 220, gettext("Sales tools and travel")),
        ]
        for name in per_campaign:
            campaign = ctx.campaigns[name]
            if campaign.starts_on and campaign.starts_on <= month.replace(day=28):
                rows.append((SpendCategory.MARKETING, campaign, 40, 130, campaign.name))
        for category, campaign, low, high, note in rows:
            spend_record(
                actor=marketing,
                month=month,
                category=category,
                campaign=campaign,
                amount=Decimal(ctx.rng.randrange(low, high)),
                note=note,
            )
