"""List endpoints cost the same number of queries for 3 rows as for 30."""

import itertools

import pytest
from django.utils import timezone

from crm.models import Interaction, LostReason, Referral, SavedView, Tag
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    ExchangeRateFactory,
    LeadFactory,
    NoteFactory,
    NpsResponseFactory,
    PipelineFactory,
    PurchaseFactory,
    SpendFactory,
    StageFactory,
    SubscriptionFactory,
    SuppressedAddressFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)
from crm.tests.test_api_world import ENDPOINTS

SERIAL = itertools.count()

# count + page of rows + at most one prefetch (tags, stages)
MAX_QUERIES = 3


def make_rows(resource, n, owner):
    def contact():
        row = ContactFactory(owner=owner)
        row.tags.add(*Tag.objects.filter(name__in=["a", "b"]))
        return row

    def interaction():
        return Interaction.objects.create(
            contact=ContactFactory(), kind="website_visit", occurred_at=timezone.now()
        )

    def pipeline():
        return StageFactory(pipeline=PipelineFactory()).pipeline

    makers = {
        "users": lambda: UserFactory(),
        "teams": lambda: TeamFactory(),
        "companies": lambda: CompanyFactory(owner=owner),
        "contacts": contact,
        "interactions": interaction,
        "leads": lambda: LeadFactory(owner=owner),
        "pipelines": pipeline,
        "stages": lambda: StageFactory(),
        "deals": lambda: DealFactory(owner=owner),
        "activities": lambda: ActivityFactory(assignee=owner),
        # On contacts, which every role sees; the scope's subqueries are the same for all.
        "notes": lambda: NoteFactory(author=UserFactory()),
        "purchases": lambda: PurchaseFactory(contact=ContactFactory(owner=owner)),
        "subscriptions": lambda: SubscriptionFactory(),
        "tickets": lambda: TicketFactory(contact=ContactFactory(owner=owner)),
        "nps": lambda: NpsResponseFactory(),
        "referrals": lambda: Referral.objects.create(
            referrer=ContactFactory(), referred=ContactFactory(), referred_on="2025-01-01"
        ),
        "spend": lambda: SpendFactory(note="x"),
        "suppressions": lambda: SuppressedAddressFactory(),
        "exchange_rates": lambda: ExchangeRateFactory(),
        "lost_reasons": lambda: LostReason.objects.create(name=f"Reason {next(SERIAL)}"),
        "saved_views": lambda: SavedView.objects.create(
            owner=owner, list_key="activities", name=f"View {next(SERIAL)}"
        ),
    }
    for _ in range(n):
        makers[resource]()


@pytest.mark.parametrize(
    ("role", "resource"),
    [("admin", resource) for resource in ENDPOINTS]
    + [
        ("rep", r)
        for r in ("deals", "leads", "activities", "purchases", "tickets", "contacts", "notes")
    ]
    + [("support", "notes"), ("marketing", "notes")],
)
def test_list_query_count_does_not_grow_with_rows(
    role, resource, make_user, api_as, django_assert_max_num_queries
):
    user = make_user(role, username=f"lister-{role}")
    Tag.objects.bulk_create([Tag(name="a"), Tag(name="b")])
    client = api_as(user)
    url = f"{ENDPOINTS[resource]}?page_size=100"

    make_rows(resource, 3, user)
    with django_assert_max_num_queries(MAX_QUERIES):
        few = client.get(url)
    make_rows(resource, 27, user)
    with django_assert_max_num_queries(MAX_QUERIES):
        many = client.get(url)

    assert few.status_code == many.status_code == 200
    assert len(many.data["results"]) - len(few.data["results"]) == 27
