"""What the pages say: money per locale, honest empty timelines, safe links, named buttons."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from crm.services.deals import deal_create
from crm.templatetags.crm_web import money
from crm.tests.factories import ContactFactory, TicketFactory, pipeline_with_stages
from crm.web.selectors import TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected", "bare"),
    [
        ("en", "€1,234,567.50", "1,234,567.50"),
        # The symbol stands where the language writes it (CLDR): after the amount in
        # German, Turkish and Romanian.
        ("de", "1.234.567,50\u00a0€", "1.234.567,50"),
        ("tr", "1.234.567,50\u00a0€", "1.234.567,50"),
        ("ro", "1.234.567,50\u00a0€", "1.234.567,50"),
        # Django's fa formats have no grouping size; money still groups thousands.
        ("fa", "€1,234,567.50", "1,234,567.50"),
        ("ko", "€1,234,567.50", "1,234,567.50"),
    ],
)
def test_money_groups_digits_per_locale(language, expected, bare):
    with translation.override(language):
        assert money(Decimal("1234567.5"), "EUR") == expected
        assert money("1234567.5", "RON") == f"{bare} RON"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "₩1,250,000"), ("ko", "₩1,250,000"), ("de", "1.250.000\u00a0₩")],
)
def test_won_and_yen_have_no_decimals(language, expected):
    with translation.override(language):
        assert money(Decimal("1250000"), "KRW") == expected
        assert money("980", "JPY") == expected.replace("1,250,000", "980").replace(
            "1.250.000", "980"
        ).replace("₩", "¥")


def test_money_leaves_ids_alone_because_grouping_is_not_global(settings):
    assert settings.USE_THOUSAND_SEPARATOR is False


def test_empty_timeline_of_another_reps_customer_says_records_are_hidden(client, rep, other_rep):
    stages = pipeline_with_stages(is_default=True)[1]
    theirs = ContactFactory(owner=other_rep)
    deal_create(actor=other_rep, title="Their deal", stage=stages[0], contact=theirs)
    quiet = ContactFactory(owner=other_rep)
    client.force_login(rep)
    html = client.get(reverse("web:contact_detail", args=[theirs.pk])).content.decode()
    assert "Nothing has happened" not in html
    assert "records belong to colleagues or another team and are hidden from you" in html
    assert "Their deal" not in html
    html = client.get(reverse("web:contact_detail", args=[quiet.pk])).content.decode()
    assert "Nothing has happened with this contact yet" in html


def test_support_sees_tickets_but_is_told_deals_are_hidden(client, rep, support_agent):
    stages = pipeline_with_stages(is_default=True)[1]
    contact = ContactFactory(owner=rep)
    deal_create(actor=rep, title="Deal", stage=stages[0], contact=contact)
    client.force_login(support_agent)
    html = client.get(reverse("web:contact_detail", args=[contact.pk])).content.decode()
    assert "are hidden from you" in html
    TicketFactory(contact=contact, subject="Printer")
    html = client.get(reverse("web:contact_detail", args=[contact.pk])).content.decode()
    assert "Printer" in html and "are hidden from you" not in html


def script_link_source(*, user, contact, limit):
    return [TimelineEntry(timezone.now(), "email", "mail", "Sent", url="javascript:alert(1)")]


@override_settings(GOALPOST_TIMELINE_SOURCES=["crm.tests.test_web_presentation.script_link_source"])
def test_timeline_links_are_only_relative_or_http(client, manager):
    contact = ContactFactory()
    client.force_login(manager)
    html = client.get(reverse("web:contact_detail", args=[contact.pk])).content.decode()
    assert "Sent" in html and "javascript:" not in html


def test_board_buttons_name_their_column_and_deal(client, rep):
    stages = pipeline_with_stages(is_default=True)[1]
    for i in range(25):
        deal_create(actor=rep, title=f"Deal {i}", stage=stages[0])
    client.force_login(rep)
    html = client.get(reverse("web:board")).content.decode()
    assert f'Load more<span class="visually-hidden">: <bdi>{stages[0].name}</bdi></span>' in html
    assert 'data-dialog-title="Mark “Deal 24” lost"' in html
    assert 'id="board-status" aria-live="polite" role="status"' in html
