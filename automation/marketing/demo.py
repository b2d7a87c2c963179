"""Demo hook (`manage.py seed_demo`): the Nurture campaign gets its email series.

"Email, wait 2 days, email", with an A/B subject test on the first email, so that the
seeded "deal $500 or less → Nurture" rule visibly sends something in `make run`.
Idempotent: a campaign that already has steps is left alone. Subjects and bodies are in
the demo's language; the `{{ contact.first_name }}` placeholders stay as they are.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from .models import CampaignStep, StepKind, WaitUnit
from .services.campaigns import step_create, variant_create

WELCOME_BODY = _("""Hello {{ contact.first_name }},

thank you for your interest. Here is how teams like yours get started in a week.

Reply to this email if you have a question: a person reads every reply.
""")
FOLLOW_UP_BODY = _("""Hello {{ contact.first_name }},

two days ago we sent you our getting-started guide. Would a 20-minute call help?
Just reply with a time that suits you.
""")


def seed_demo(*, users, campaigns, **kwargs) -> None:
    from .services.scoring import scores_adopt_lead_scores

    # Seeded leads carry scores: they become their contacts' one stored score.
    scores_adopt_lead_scores()
    nurture = campaigns.get("Nurture")  # by its English key, named in the demo's language
    if nurture is None or CampaignStep.objects.filter(campaign=nurture).exists():
        return
    actor = users["marketing"]
    first = step_create(
        campaign=nurture,
        actor=actor,
        kind=StepKind.EMAIL,
        subject=gettext("Getting started in a week"),
        body=gettext(WELCOME_BODY),
    )
    variant_create(
        step=first,
        actor=actor,
        subject=gettext("{{ contact.first_name }}, your first week"),
        body=gettext(WELCOME_BODY),
    )
    step_create(
        campaign=nurture, actor=actor, kind=StepKind.WAIT, wait_amount=2, wait_unit=WaitUnit.DAYS
    )
    step_create(
        campaign=nurture,
        actor=actor,
        kind=StepKind.EMAIL,
        subject=gettext("Shall we talk for 20 minutes?"),
        body=gettext(FOLLOW_UP_BODY),
    )
