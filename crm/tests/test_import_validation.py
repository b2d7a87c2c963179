import datetime as dt
from decimal import Decimal

import pytest

from crm.importing.cleaning import (
    RowCleaner,
    normalise_domain,
    parse_date_value,
    parse_decimal,
    split_full_name,
)
from crm.models import Role
from crm.tests.factories import CampaignFactory, UserFactory, pipeline_with_stages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200", "1200"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("99,90", "99.90"),
        ("$ 1,200.00", "1200.00"),
        ("1 200 €", "1200"),
        ("EUR 1.500,00", "1500.00"),
        ("CHF 1'234.50", "1234.50"),
        ("0.500", "0.500"),
        (12.5, "12.5"),
    ],
)
def test_parse_decimal_reads_both_decimal_marks(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "number_format", "expected"),
    [("1,234", "point", "1234"), ("1,234", "comma", "1.234"), ("1.500", "comma", "1500")],
)
def test_parse_decimal_reads_a_two_way_number_in_the_columns_format(text, number_format, expected):
    assert parse_decimal(text, number_format) == Decimal(expected)


@pytest.mark.parametrize("text", ["1,234", "1.500", "1a2", "12e3", "0.5.0"])
def test_parse_decimal_does_not_guess_a_two_way_number_or_read_junk(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("05.03.2024", dt.date(2024, 3, 5)),
        ("2024/03/05", dt.date(2024, 3, 5)),
        ("2024-03-05 10:00", dt.date(2024, 3, 5)),
        (dt.datetime(2024, 3, 5, 9), dt.date(2024, 3, 5)),
    ],
)
def test_parse_date_value(text, expected):
    assert parse_date_value(text) == expected


def test_domains_and_full_names_are_normalised():
    assert normalise_domain("https://www.Example.com/about?x=1") == "example.com"
    assert normalise_domain("info@acme.io") == "acme.io"
    assert split_full_name("Ada  King Lovelace") == ("Ada King", "Lovelace")
    assert split_full_name("Lovelace, Ada") == ("Ada", "Lovelace")
    assert split_full_name("Cher") == ("Cher", "")


def _contact_cleaner(headers, mapping):
    return RowCleaner(kind="contacts", headers=headers, mapping=mapping)


@pytest.mark.django_db
def test_contact_row_is_typed_with_labels_users_and_tags():
    owner = UserFactory(username="ayse", email="ayse@goalpost.example", role=Role.REP)
    headers = ["Name", "Mail", "Owner", "Stage", "Tags", "Opt-out", "Born"]
    mapping = {
        "Name": "full_name",
        "Mail": "email",
        "Owner": "owner",
        "Stage": "lifecycle",
        "Tags": "tags",
        "Opt-out": "opted_out",
        "Born": "birth_date",
    }
    cleaner = _contact_cleaner(headers, mapping)

    row = cleaner.clean(
        2,
        [
            "Ada Lovelace",
            "ADA@Example.com ",
            "AYSE@goalpost.example",
            "Customer",
            "vip; berlin",
            "ja",
            "10.12.1990",
        ],
    )

    assert row.errors == []
    assert row.values == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "owner": owner,
        "lifecycle": "customer",
        "tags": ["vip", "berlin"],
        "opted_out": True,
        "birth_date": dt.date(1990, 12, 10),
    }


@pytest.mark.django_db
def test_contact_row_errors_name_the_column_the_reason_and_the_value():
    headers = ["First", "E-mail", "Owner", "Lifecycle", "Income"]
    mapping = {
        "First": "first_name",
        "E-mail": "email",
        "Owner": "owner",
        "Lifecycle": "lifecycle",
        "Income": "income_band",
    }
    cleaner = _contact_cleaner(headers, mapping)

    row = cleaner.clean(7, ["", "not-an-email", "nobody", "vip", "high"])

    assert [(e.column, e.reason, e.value) for e in row.errors] == [
        ("E-mail", "“not-an-email” is not a valid email address.", "not-an-email"),
        ("Owner", "No active user “nobody”.", "nobody"),
        ("Lifecycle", "“vip” is not one of: Lead, Prospect, Customer, Churned.", "vip"),
        ("First", "A contact needs a first name.", ""),
    ]


@pytest.mark.django_db
def test_too_long_values_are_reported_with_their_length():
    cleaner = _contact_cleaner(["First"], {"First": "first_name"})

    row = cleaner.clean(2, ["x" * 101])

    assert [e.reason for e in row.errors] == [
        "Ensure this value has at most 100 characters (it has 101)."
    ]


@pytest.mark.django_db
def test_deal_rows_resolve_stage_within_their_pipeline_and_check_closing():
    pipeline, stages = pipeline_with_stages(name="Sales", is_default=True)
    headers = ["Title", "Value", "Stage", "Status", "Closed", "Created"]
    mapping = {
        "Title": "title",
        "Value": "value",
        "Stage": "stage",
        "Status": "status",
        "Closed": "closed_at",
        "Created": "created_at",
    }
    cleaner = RowCleaner(kind="deals", headers=headers, mapping=mapping)

    good = cleaner.clean(2, ["Big one", "1.500,00", "needs analysis", "open", "", ""])
    bad = cleaner.clean(3, ["Lost one", "-5", "Nowhere", "lost", "2024-01-01", "2024-02-01"])

    assert good.errors == []
    assert good.values["stage"] == stages[1]
    assert good.values["pipeline"] == pipeline
    assert good.values["value"] == Decimal("1500.00")
    assert [(e.column, e.reason) for e in bad.errors] == [
        ("Value", "The amount cannot be negative."),
        ("Stage", "No stage “Nowhere” in the pipeline “Sales”."),
        ("Status", "Say why the deal was lost."),
        ("Closed", "A deal cannot close before it was created."),
    ]


@pytest.mark.django_db
def test_purchase_rows_need_an_amount_and_a_known_campaign():
    CampaignFactory(name="Spring sale")
    headers = ["Email", "Amount", "Campaign"]
    mapping = {"Email": "contact_email", "Amount": "amount", "Campaign": "campaign"}
    cleaner = RowCleaner(kind="purchases", headers=headers, mapping=mapping)

    good = cleaner.clean(2, ["a@example.com", "20", "spring SALE"])
    bad = cleaner.clean(3, ["a@example.com", "", "Winter"])

    assert good.errors == []
    assert good.values["campaign"].name == "Spring sale"
    assert [(e.column, e.reason) for e in bad.errors] == [
        ("Amount", "This field is required."),
        ("Campaign", "No campaign “Winter”."),
    ]
