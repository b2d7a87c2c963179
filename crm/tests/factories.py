"""factory_boy factories for the core domain; other apps import these."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from crm import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = models.Role.REP
    password = factory.django.Password("goalpost-test")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team

    name = factory.Sequence(lambda n: f"Team {n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Company

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")

    @factory.post_generation
    def customer_spells(obj, create, extracted, **kwargs):
        """customer_since / churned_at given to the factory become the contact's spell."""
        if create:
            from django.db import transaction

            from crm.services.spells import customer_spells_follow

            # The service locks the spells; transactional tests run without an outer atomic.
            with transaction.atomic():
                customer_spells_follow(obj)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Pipeline

    name = factory.Sequence(lambda n: f"Pipeline {n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stage

    pipeline = factory.SubFactory(PipelineFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)
    win_probability = 20


def pipeline_with_stages(names=("Qualified", "Needs analysis", "Proposal", "Negotiation"), **kw):
    """A pipeline and its stages in order: returns (pipeline, [stages])."""
    pipeline = PipelineFactory(**kw)
    stages = [
        StageFactory(pipeline=pipeline, name=name, position=i, win_probability=(i + 1) * 20)
        for i, name in enumerate(names)
    ]
    return pipeline, stages


class DealFactory(factory.django.DjangoModelFactory):
    """Writes rows directly (no events, no stage history): for read-side tests.

    Tests of behaviour create deals through `crm.services.deals.deal_create`.
    """

    class Meta:
        model = models.Deal

    title = factory.Sequence(lambda n: f"Deal {n}")
    value = Decimal("1000.00")
    stage = factory.SubFactory(StageFactory)
    pipeline = factory.LazyAttribute(lambda d: d.stage.pipeline)
    stage_entered_at = factory.LazyFunction(timezone.now)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Lead

    contact = factory.SubFactory(ContactFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Activity

    kind = models.ActivityKind.CALL
    subject = factory.Sequence(lambda n: f"Call {n}")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))


class NoteFactory(factory.django.DjangoModelFactory):
    """A note on a contact unless another record is given (pass `contact=None` then)."""

    class Meta:
        model = models.Note

    body = factory.Sequence(lambda n: f"Note {n}")
    contact = factory.SubFactory(ContactFactory)


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Purchase

    contact = factory.SubFactory(ContactFactory)
    amount = Decimal("100.00")
    purchased_at = factory.LazyFunction(timezone.now)
    product = "Starter plan"
    category = "Software"


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Subscription

    contact = factory.SubFactory(ContactFactory)
    plan = "Pro"
    amount = Decimal("50.00")
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=300))
    renewal_due = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=65)).date())


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Ticket

    subject = factory.Sequence(lambda n: f"Ticket {n}")
    opened_at = factory.LazyFunction(timezone.now)


class NpsResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.NpsResponse

    contact = factory.SubFactory(ContactFactory)
    score = 9
    scale = 10
    responded_at = factory.LazyFunction(timezone.now)


class SpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Spend

    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    category = models.SpendCategory.MARKETING
    amount = Decimal("1000.00")


class SuppressedAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SuppressedAddress

    email = factory.Sequence(lambda n: f"suppressed{n}@example.com")
    reason = models.SuppressionReason.BOUNCE


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    """One EUR rate per day, counting up from 2025-01-01 (currency and day are unique)."""

    class Meta:
        model = "metrics.ExchangeRate"

    currency = "EUR"
    rate = Decimal("0.92")
    valid_from = factory.Sequence(lambda n: date(2025, 1, 1) + timedelta(days=n))
