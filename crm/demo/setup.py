"""Configuration rows of the demo: users and team, pipelines, campaigns, tags, email
templates.

These are set up by an admin in a real installation, so they are created directly and
looked up by their name in the demo's language, which keeps a second run in the same
language from duplicating them. A run in another language adds its own rows beside them.
"""

from datetime import timedelta

from django.utils.translation import gettext_noop as _

from crm.models import Campaign, EmailTemplate, Pipeline, Role, Stage, Tag, Team, User

from .context import DemoContext
from .vocabulary import TAGS, label

DEMO_PASSWORD = "goalpost"  # noqa: S105 - documented demo logins, only created by seed_demo

# name, subject, body of the email templates sellers and agents pick from; the
# `{placeholders}` stay as they are in every language.
EMAIL_TEMPLATES = [
    (
        _("Follow-up after a call"),
        _("Our call about {deal}"),
        _(
            "Hello {first_name},\n\nthank you for your time today. As promised, here is a "
            "summary of what we discussed about {deal}.\n\nBest regards,\n{sender}"
        ),
    ),
    (
        _("Proposal sent"),
        _("Your proposal: {deal}"),
        _(
            "Hello {first_name},\n\nplease find our proposal for {deal} ({value}). I am happy "
            "to go through it with you this week.\n\nBest regards,\n{sender}"
        ),
    ),
    (
        _("Checking in"),
        _("How are things at {company}?"),
        _(
            "Hello {first_name},\n\nit has been a while since we last spoke. Is there anything "
            "we can help {company} with?\n\nBest regards,\n{sender}"
        ),
    ),
]

# username, role, first name, last name
DEMO_USERS = [
    ("admin", Role.ADMIN, "Aylin", "Demir"),
    ("manager", Role.MANAGER, "Markus", "Weber"),
    ("rep1", Role.REP, "Ji-woo", "Park"),
    ("rep2", Role.REP, "Sara", "Karimi"),
    ("rep3", Role.REP, "Andrei", "Popescu"),
    ("marketing", Role.MARKETING, "Mia", "Hoffmann"),
    ("support", Role.SUPPORT, "Selin", "Kaya"),
]

# name, win probability (%), rotting days, mean days a deal stays (drives the history)
SALES_STAGES = [
    (_("Qualified"), 10, 14, 7),
    (_("Needs analysis"), 25, 21, 24),
    (_("Proposal"), 50, 14, 12),
    (_("Negotiation"), 75, 10, 9),
]
RENEWAL_STAGES = [
    (_("Renewal due"), 60, 30, 10),
    (_("Quote sent"), 80, 14, 8),
    (_("Verbal yes"), 90, 7, 5),
]
# The phases name pipelines and campaigns by these English keys, whatever the language.
SALES, RENEWALS = _("Sales"), _("Renewals")
NURTURE = _("Nurture")

# name, channel, description, started this many days ago
CAMPAIGNS = [
    (NURTURE, "email", _("Welcome series for small deals and new contacts."), 400),
    (_("Spring webinar"), "event", _("Webinar series on retention and repeat sales."), 300),
    (_("Search ads"), "advertising", _("Paid search on CRM and sales-pipeline keywords."), 365),
    (_("LinkedIn outreach"), "social", _("Sponsored posts and direct outreach."), 240),
    (_("Partner program"), "partner", _("Leads passed on by resellers."), 365),
    (_("Trade fair"), "event", _("Booth at the regional retail trade fair."), 150),
]


def ensure_users(ctx: DemoContext) -> None:
    team, _created = Team.objects.get_or_create(name=label(SALES))
    for username, role, first_name, last_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                email=f"{username}@goalpost.example",
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                role=role,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
        if role == Role.REP and user.team_id is None:
            user.team = team
            user.save(update_fields=["team"])
        ctx.users[username] = user
    if team.manager_id is None:
        team.manager = ctx.users["manager"]
        team.save(update_fields=["manager"])
    ctx.reps = [ctx.users[name] for name in ("rep1", "rep2", "rep3")]


def ensure_pipelines(ctx: DemoContext) -> None:
    has_default = Pipeline.objects.filter(is_default=True).exists()
    for key, stages, is_default in (
        (SALES, SALES_STAGES, not has_default),
        (RENEWALS, RENEWAL_STAGES, False),
    ):
        pipeline, _created = Pipeline.objects.get_or_create(
            name=label(key), defaults={"is_default": is_default}
        )
        for position, (stage_name, probability, rotting, mean_days) in enumerate(stages):
            stage, _created = Stage.objects.get_or_create(
                pipeline=pipeline,
                name=label(stage_name),
                defaults={
                    "position": position,
                    "win_probability": probability,
                    "rotting_days": rotting,
                },
            )
            ctx.stage_mean_days[stage.pk] = mean_days
        ctx.pipelines[key] = pipeline
        ctx.stages[key] = list(pipeline.stages.order_by("position", "id"))


def _campaign(ctx: DemoContext, key: str, channel: str, description: str, days: int):
    name = label(key)
    campaign = Campaign.objects.filter(name=name).first()
    if campaign is None and name != key:
        # The automation migration creates Nurture in English before any demo data runs:
        # the demo takes an English original over in its language instead of adding a
        # second campaign beside it (the default rule keeps pointing at the same row).
        campaign = Campaign.objects.filter(name=key).first()
        if campaign is not None:
            campaign.name, campaign.description = name, label(description)
            campaign.save(update_fields=["name", "description"])
    if campaign is None:
        campaign = Campaign.objects.create(
            name=name,
            channel=channel,
            description=label(description),
            starts_on=(ctx.anchor - timedelta(days=days)).date(),
            owner=ctx.users["marketing"],
        )
    return campaign


def ensure_email_templates() -> None:
    for name, subject, body in EMAIL_TEMPLATES:
        EmailTemplate.objects.get_or_create(
            name=label(name), defaults={"subject": label(subject), "body": label(body)}
        )


def ensure_campaigns_and_tags(ctx: DemoContext) -> None:
    for key, channel, description, days in CAMPAIGNS:
        ctx.campaigns[key] = _campaign(ctx, key, channel, description, days)
    for name in TAGS:
        ctx.tags[name] = Tag.objects.get_or_create(name=label(name))[0]
