"""Companies, contacts, referrals, website behaviour and leads of the demo."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.text import slugify

from crm.models import (
    Education,
    Gender,
    IncomeBand,
    InteractionKind,
    Lead,
    LeadStatus,
    Lifecycle,
    MaritalStatus,
    Source,
)
from crm.services.contacts import (
    company_create,
    contact_create,
    interaction_record,
    referral_record,
)
from crm.services.leads import lead_create, lead_hand_off
from crm.services.revenue import purchase_record

from .context import DemoContext
from .vocabulary import (
    CITIES,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    FIRST_NAMES,
    INDUSTRY_BY_SUFFIX,
    LAST_NAMES,
    OCCUPATIONS,
    PRODUCTS,
    WEBSITE_PAGES,
    label,
)

COMPANY_COUNT = 120
LEGACY_CUSTOMERS = 110  # customers from before the demo year: churn needs a base
LEAD_CONTACTS = 330
DIRECT_CONTACTS = 60

SOURCE_WEIGHTS = {
    Source.WEBSITE: 26,
    Source.ADVERTISING: 16,
    Source.SOCIAL: 12,
    Source.EVENT: 10,
    Source.EMAIL: 10,
    Source.PARTNER: 8,
    Source.COLD_OUTREACH: 8,
    Source.REFERRAL: 10,
}
# Which campaign a lead from each source is attributed to (None: no campaign).
# Keyed by Source, looked up by a contact's source (a str); None: no campaign.
CAMPAIGN_BY_SOURCE: dict[str, list[str | None]] = {
    Source.ADVERTISING: ["Search ads"],
    Source.SOCIAL: ["LinkedIn outreach"],
    Source.EVENT: ["Spring webinar", "Trade fair"],
    Source.EMAIL: ["Nurture"],
    Source.PARTNER: ["Partner program"],
    Source.WEBSITE: ["Search ads", None, None],
}


@dataclass
class PlannedLead:
    lead: Lead
    convert_at: datetime | None


def make_companies(ctx: DemoContext) -> None:
    names = [f"{p} {s}" for p in COMPANY_PREFIXES for s in COMPANY_SUFFIXES]
    for name in ctx.rng.sample(names, COMPANY_COUNT):
        suffix = name.split()[-1]
        ctx.companies.append(
            company_create(
                actor=ctx.users["admin"],
                name=name,
                owner=ctx.rep(),
                domain=f"{slugify(name)}.example",
                industry=label(INDUSTRY_BY_SUFFIX[suffix]),
                phone=f"+1 555 {ctx.rng.randrange(1000, 9999)}",
                address=ctx.rng.choice(CITIES),
                created_at=ctx.days_ago(ctx.rng.uniform(400, 950)),
            )
        )
    ctx.companies_without_contacts = list(reversed(ctx.companies))


def _weighted_source(ctx: DemoContext) -> str:
    sources, weights = zip(*SOURCE_WEIGHTS.items(), strict=True)
    return ctx.rng.choices(sources, weights)[0]


def _maybe(ctx: DemoContext, probability: float, choices) -> str:
    return ctx.rng.choice(list(choices)) if ctx.chance(probability) else ""


# Most contacts read the site's language; some prefer another (by index: no extra random
# draw, so the rest of the demo data stays as it was).
CONTACT_LANGUAGES = ("", "", "", "de", "", "tr", "", "ko", "", "fa", "", "ro")


def _new_contact(ctx: DemoContext, index: int, *, created_at, source, lifecycle=Lifecycle.LEAD):
    rng = ctx.rng
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    # The first contacts take one company each so that no company is left empty.
    if ctx.companies_without_contacts:
        company = ctx.companies_without_contacts.pop()
    else:
        company = rng.choice(ctx.companies) if ctx.chance(0.9) else None
    domain = company.domain if company else "mail.example"
    birth = None
    if ctx.chance(0.7):
        birth = (ctx.anchor - timedelta(days=rng.randint(22 * 365, 66 * 365))).date()
    tags = rng.sample(list(ctx.tags.values()), rng.choice([0, 0, 1, 1, 2, 3]))
    return contact_create(
        actor=ctx.users["admin"],
        first_name=first,
        last_name=last,
        email=f"{slugify(first)}.{slugify(last)}{index}@{domain}",
        phone=f"+1 555 01{index:03d}",
        company=company,
        owner=ctx.rep() if ctx.chance(0.92) else None,
        lifecycle=lifecycle,
        source=source,
        opted_out=ctx.chance(0.07),
        birth_date=birth,
        occupation=label(_maybe(ctx, 0.7, OCCUPATIONS)),
        gender=_maybe(ctx, 0.8, Gender.values),
        marital_status=_maybe(ctx, 0.55, MaritalStatus.values),
        income_band=_maybe(ctx, 0.6, IncomeBand.values),
        education=_maybe(ctx, 0.6, Education.values),
        language=CONTACT_LANGUAGES[index % len(CONTACT_LANGUAGES)],
        created_at=created_at,
        tags=tags,
        automate=False,
    )


def make_legacy_customers(ctx: DemoContext) -> list:
    """Customers won before the demo year, each with a first purchase."""
    customers = []
    for index in range(LEGACY_CUSTOMERS):
        created = ctx.days_ago(ctx.rng.uniform(430, 900))
        contact = _new_contact(ctx, index, created_at=created, source=_weighted_source(ctx))
        category, product, (low, high) = ctx.rng.choice(PRODUCTS)
        purchase_record(
            actor=contact.owner,
            contact=contact,
            amount=ctx.rng.randrange(low, high, 10),
            purchased_at=ctx.between(created + timedelta(days=5), created + timedelta(days=40)),
            product=label(product),
            category=label(category),
            automate=False,
        )
        contact.refresh_from_db()
        customers.append(contact)
    return customers


def _record_interactions(ctx: DemoContext, contact, *, around: datetime) -> None:
    kinds = [
        InteractionKind.WEBSITE_VISIT,
        InteractionKind.WEBSITE_VISIT,
        InteractionKind.FORM_SUBMISSION,
        InteractionKind.CONTENT_DOWNLOAD,
        InteractionKind.EMAIL_OPENED,
        InteractionKind.EMAIL_REPLIED,
    ]
    end = min(around + timedelta(days=10), ctx.anchor)
    for _ in range(ctx.rng.choice([0, 1, 1, 2, 2, 3, 4])):
        kind = ctx.rng.choice(kinds)
        url = ""
        if kind == InteractionKind.WEBSITE_VISIT:
            url = f"https://goalpost.example/{ctx.rng.choice(WEBSITE_PAGES)}"
        interaction_record(
            actor=None,
            contact=contact,
            kind=kind,
            url=url,
            occurred_at=ctx.between(contact.created_at, end),
        )


def _lead_status(ctx: DemoContext, age_days: float) -> str:
    if age_days < 14:
        options = {LeadStatus.NEW: 50, LeadStatus.WORKING: 40, LeadStatus.QUALIFIED: 10}
    elif age_days < 45:
        options = {
            LeadStatus.WORKING: 25,
            LeadStatus.QUALIFIED: 15,
            LeadStatus.CONVERTED: 45,
            LeadStatus.DISQUALIFIED: 15,
        }
    else:
        options = {
            LeadStatus.WORKING: 10,
            LeadStatus.QUALIFIED: 5,
            LeadStatus.CONVERTED: 58,
            LeadStatus.DISQUALIFIED: 27,
        }
    statuses, weights = zip(*options.items(), strict=True)
    return ctx.rng.choices(statuses, weights)[0]


SCORE_RANGE: dict[str, tuple[int, int]] = {
    LeadStatus.NEW: (5, 60),
    LeadStatus.WORKING: (30, 75),
    LeadStatus.QUALIFIED: (55, 95),
    LeadStatus.CONVERTED: (55, 95),
    LeadStatus.DISQUALIFIED: (0, 35),
}


def make_leads(ctx: DemoContext, referrers: list) -> list[PlannedLead]:
    """Contacts that came in as leads over the past year; returns those to convert."""
    planned = []
    marketing = ctx.users["marketing"]
    for index in range(LEAD_CONTACTS):
        # A steady inflow, plus a fresh batch so "My day" and the lead list have new ones.
        age = ctx.rng.uniform(0.2, 21) if ctx.chance(0.12) else ctx.rng.uniform(0.2, 360)
        lead_at = ctx.office_hours(ctx.days_ago(age))
        if lead_at >= ctx.anchor:
            lead_at = ctx.anchor - timedelta(hours=3)
        source = _weighted_source(ctx)
        created = lead_at - timedelta(hours=ctx.rng.uniform(1, 72))
        contact = _new_contact(ctx, 1000 + index, created_at=created, source=source)
        if source == Source.REFERRAL:
            referral_record(
                actor=marketing,
                referrer=ctx.rng.choice(referrers),
                referred=contact,
                referred_on=created.date(),
            )
        _record_interactions(ctx, contact, around=lead_at)
        campaign_name = ctx.rng.choice(CAMPAIGN_BY_SOURCE.get(source, [None]))
        campaign = ctx.campaigns.get(campaign_name)
        if campaign:
            ctx.lead_campaign[contact.pk] = campaign
        status = _lead_status(ctx, age)
        handed_off = status in (LeadStatus.QUALIFIED, LeadStatus.CONVERTED)
        owner = contact.owner or ctx.rep()
        if status == LeadStatus.NEW and ctx.chance(0.6):
            owner = marketing  # not yet handed to sales
        lead = lead_create(
            actor=marketing,
            contact=contact,
            owner=owner,
            source=source,
            campaign=campaign,
            status=LeadStatus.WORKING if handed_off else status,
            score=ctx.rng.randint(*SCORE_RANGE[status]),
            created_at=lead_at,
            automate=False,
        )
        convert_at = None
        if handed_off:
            hand_off_at = min(lead_at + timedelta(days=ctx.rng.uniform(0.2, 5)), ctx.anchor)
            lead = lead_hand_off(lead=lead, actor=marketing, owner=owner, at=hand_off_at)
            if status == LeadStatus.CONVERTED:
                convert_at = hand_off_at + timedelta(days=ctx.rng.uniform(0.5, 7))
                convert_at = min(convert_at, ctx.anchor - timedelta(minutes=5))
        planned.append(PlannedLead(lead=lead, convert_at=convert_at))
    return planned


def make_direct_contacts(ctx: DemoContext, referrers: list) -> list:
    """Prospects sales found themselves (trade fairs, calls): deals without a lead."""
    contacts = []
    for index in range(DIRECT_CONTACTS):
        source = ctx.rng.choice([Source.COLD_OUTREACH, Source.EVENT, Source.REFERRAL])
        created = ctx.days_ago(ctx.rng.uniform(3, 360))
        contact = _new_contact(
            ctx, 2000 + index, created_at=created, source=source, lifecycle=Lifecycle.PROSPECT
        )
        if source == Source.REFERRAL:
            referral_record(
                actor=contact.owner,
                referrer=ctx.rng.choice(referrers),
                referred=contact,
                referred_on=created.date(),
            )
        contacts.append(contact)
    return contacts
