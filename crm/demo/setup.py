"""Configuration rows of the demo: users and team, pipelines, campaigns, tags.

These are set up by an admin in a real installation, so they are created directly and
looked up by name, which keeps a second run from duplicating them.
"""

from datetime import timedelta

from crm.models import Campaign, Pipeline, Role, Stage, Tag, Team, User

from .context import DemoContext
from .vocabulary import TAGS

DEMO_PASSWORD = "goalpost"  # noqa: S105 - documented demo logins, only created by seed_demo

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
    ("Qualified", 10, 14, 7),
    ("Needs analysis", 25, 21, 24),
    ("Proposal", 50, 14, 12),
    ("Negotiation", 75, 10, 9),
]
RENEWAL_STAGES = [
    ("Renewal due", 60, 30, 10),
    ("Quote sent", 80, 14, 8),
    ("Verbal yes", 90, 7, 5),
]
STAGE_MEAN_DAYS = {name: days for name, _p, _r, days in SALES_STAGES + RENEWAL_STAGES}

# name, channel, description, started this many days ago
CAMPAIGNS = [
    ("Nurture", "email", "Welcome series for small deals and new contacts.", 400),
    ("Spring webinar", "event", "Webinar series on retention and repeat sales.", 300),
    ("Search ads", "advertising", "Paid search on CRM and sales-pipeline keywords.", 365),
    ("LinkedIn outreach", "social", "Sponsored posts and direct outreach.", 240),
    ("Partner program", "partner", "Leads passed on by resellers.", 365),
    ("Trade fair", "event", "Booth at the regional retail trade fair.", 150),
]


def ensure_users(ctx: DemoContext) -> None:
    team, _ = Team.objects.get_or_create(name="Sales")
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
    for name, stages, is_default in (
        ("Sales", SALES_STAGES, not has_default),
        ("Renewals", RENEWAL_STAGES, False),
    ):
        pipeline, _ = Pipeline.objects.get_or_create(name=name, defaults={"is_default": is_default})
        for position, (stage_name, probability, rotting, _days) in enumerate(stages):
            Stage.objects.get_or_create(
                pipeline=pipeline,
                name=stage_name,
                defaults={
                    "position": position,
                    "win_probability": probability,
                    "rotting_days": rotting,
                },
            )
        ctx.pipelines[name] = pipeline
        ctx.stages[name] = list(pipeline.stages.order_by("position", "id"))


def ensure_campaigns_and_tags(ctx: DemoContext) -> None:
    for name, channel, description, days in CAMPAIGNS:
        campaign, _ = Campaign.objects.get_or_create(
            name=name,
            defaults={
                "channel": channel,
                "description": description,
                "starts_on": (ctx.anchor - timedelta(days=days)).date(),
                "owner": ctx.users["marketing"],
            },
        )
        ctx.campaigns[name] = campaign
    for name in TAGS:
        ctx.tags[name] = Tag.objects.get_or_create(name=name)[0]
