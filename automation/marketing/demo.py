"""Demo hook (`manage.py seed_demo`): the Nurture campaign gets its email series.

"Email, wait 2 days, email", with an A/B subject test on the first email, so that the
seeded "deal $500 or less → Nurture" rule visibly sends something in `make run`.
Idempotent: a campaign that already has steps is left alone. Subjects and bodies are in
the demo's language; the `{{ contact.first_name }}` placeholders stay as they are. Each
email also gets a version in every language of the site, from the catalogs, so contacts
who prefer a language receive it.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from .models import CampaignStep, StepKind, WaitUnit
from .services.campaigns import step_create, variant_create, variant_language_create


def _add_versions(variant, *, actor, subject: str, body: str) -> None:
    """The variant's email in every language, translated through the catalogs."""
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            variant_language_create(
                variant=variant,
                actor=actor,
                language=code,
                subject=gettext(subject),
                body=gettext(body),
            )


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
    emails = [
        (_("Getting started in a week"), WELCOME_BODY),
        (_("{{ contact.first_name }}, your first week"), WELCOME_BODY),
        (_("Shall we talk for 20 minutes?"), FOLLOW_UP_BODY),
    ]
    first = step_create(
        campaign=nurture,
        actor=actor,
        kind=StepKind.EMAIL,
        subject=gettext(emails[0][0]),
        body=gettext(emails[0][1]),
    )
    variant_b = variant_create(
        step=first, actor=actor, subject=gettext(emails[1][0]), body=gettext(emails[1][1])
    )
    step_create(
        campaign=nurture, actor=actor, kind=StepKind.WAIT, wait_amount=2, wait_unit=WaitUnit.DAYS
    )
    follow_up = step_create(
        campaign=nurture,
        actor=actor,
        kind=StepKind.EMAIL,
        subject=gettext(emails[2][0]),
        body=gettext(emails[2][1]),
    )
    variants = [first.variants.get(label="A"), variant_b, follow_up.variants.get()]
    for variant, (subject, body) in zip(variants, emails, strict=True):
        _add_versions(variant, actor=actor, subject=subject, body=body)
