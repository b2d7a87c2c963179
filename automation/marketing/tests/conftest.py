"""Fixtures of the marketing tests: a nurture campaign and a real Celery worker."""

import pytest

from automation.marketing.models import StepKind, WaitUnit
from automation.marketing.services.campaigns import step_create
from crm.tests.factories import CampaignFactory, ContactFactory


def email_wait_email(campaign, *, days=2):
    """The campaign "email, wait N days, email"; returns its steps."""
    return [
        step_create(
            campaign=campaign,
            actor=None,
            kind=StepKind.EMAIL,
            subject="Welcome {{ contact.first_name }}",
            body="Hello {{ contact.first_name }}, see https://example.com/start?a=1&b=2",
        ),
        step_create(
            campaign=campaign,
            actor=None,
            kind=StepKind.WAIT,
            wait_amount=days,
            wait_unit=WaitUnit.DAYS,
        ),
        step_create(
            campaign=campaign,
            actor=None,
            kind=StepKind.EMAIL,
            subject="Still there, {{ contact.first_name }}?",
            body="{% for p in purchases %}You bought {{ p.product }}. {% empty %}No purchases yet.{% endfor %}",
        ),
    ]


@pytest.fixture
def nurture(db):
    campaign = CampaignFactory(name="Nurture test")
    email_wait_email(campaign)
    return campaign


@pytest.fixture
def contact(db):
    return ContactFactory(first_name="Ada", email="ada@example.com")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a callable and the on_commit hooks it queued (tests run inside a transaction)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
