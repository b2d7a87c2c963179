"""Prepared queries: compiled once, then the same rows as the ORM for any value."""

from decimal import Decimal

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from crm.models import Deal, DomainEvent
from crm.prepared import Prepared
from crm.tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_first_gives_the_orms_record_with_its_related_rows_and_annotations(
    rep, django_assert_num_queries
):
    contact = ContactFactory(first_name="Şükrü", last_name="Çelik")
    wanted = DealFactory(title="İzmir depot", value=Decimal("1500.50"), contact=contact, owner=rep)
    DealFactory(title="Other", contact=ContactFactory())
    read = Prepared(
        lambda pk: (
            Deal.objects.select_related("contact", "owner")
            .annotate(n_activities=Count("activities"))
            .filter(pk=pk)
        ),
        int,
    )

    read.first(wanted.pk)  # compiles
    with django_assert_num_queries(1):
        deal = read.first(wanted.pk)
        assert deal.contact.full_name == "Şükrü Çelik"
        assert deal.owner.username == rep.username
    expected = Deal.objects.get(pk=wanted.pk)
    assert [deal.pk, deal.title, deal.value, deal.stage_id, deal.created_at] == [
        expected.pk,
        "İzmir depot",
        Decimal("1500.50"),
        expected.stage_id,
        expected.created_at,
    ]
    assert deal.n_activities == 0
    assert deal._state.adding is False and deal._state.db == "default"


def test_the_queryset_is_built_at_the_first_call_only():
    built = []

    def build(pk):
        built.append(pk)
        return Deal.objects.filter(pk=pk)

    read = Prepared(build, int)
    deals = DealFactory.create_batch(3)

    assert read.first(deals[0].pk).title == deals[0].title
    # Twice, with probe values no caller passes (to see they only fill parameters).
    assert len(built) == 2 and not {deal.pk for deal in deals} & set(built)
    assert [read.first(deal.pk).title for deal in deals] == [deal.title for deal in deals]
    assert len(built) == 2


def test_a_missing_record_gives_none():
    assert Prepared(lambda pk: Deal.objects.filter(pk=pk), int).first(10**12) is None


def test_a_value_used_in_several_places_and_a_big_integer_are_filled_in_everywhere():
    deal = DealFactory(title="Ankara")
    other = DealFactory(title="Bursa")
    events = DomainEvent.objects.bulk_create(
        DomainEvent(kind="deal.created", subject_type="deal", subject_id=d.pk, occurred_at=at)
        for d, at in ((deal, timezone.now()), (other, timezone.now()))
    )
    # subject_id is a BigIntegerField, compiled as psycopg's Int8(value).
    read = Prepared(
        lambda kind, subject_id: DomainEvent.objects.filter(
            Q(kind=kind, subject_type="deal", subject_id=subject_id)
            | Q(kind=kind, subject_type="lead", subject_id=subject_id)
        ),
        str,
        int,
    )

    assert read.first("deal.created", other.pk).pk == events[1].pk
    assert read.first("deal.created", deal.pk).pk == events[0].pk
    assert read.first("deal.won", deal.pk) is None


def test_rows_of_a_values_queryset_come_converted():
    DealFactory.create_batch(2, value=Decimal("10.25"), currency="EUR")
    DealFactory(value=Decimal("99.00"), currency="USD")
    totals = Prepared(
        lambda currency: (
            Deal.objects.filter(currency=currency)
            .values("currency")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        str,
    )

    assert totals.rows("EUR") == [["EUR", 2]]
    assert totals.rows("TRY") == []


def test_an_argument_written_into_the_sql_itself_is_refused():
    DealFactory.create_batch(3)
    # A slice's bound is written into the SQL text (LIMIT 5), not sent as a parameter.
    first_n = Prepared(lambda n: Deal.objects.order_by("pk")[:n], int)

    with pytest.raises(ValueError, match="shapes its SQL"):
        first_n.rows(2)
