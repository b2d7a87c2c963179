import pytest
from django.core.exceptions import ValidationError

from crm.importing.mapping import guess_mapping, mapping_check, normalise_header
from crm.importing.reading import read_table


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("E-Mail", "email"),
        (" e_mail ", "email"),
        ("Émail", "email"),
        ("Company name", "companyname"),
        ("Şirket", "sirket"),
        ("Soyadı", "soyadi"),
        ("이메일", "이메일"),
    ],
)
def test_normalise_header_folds_case_accents_and_punctuation(header, expected):
    assert normalise_header(header) == expected


def test_contact_guesses_cover_synonyms_in_several_languages():
    headers = ["Vorname", "Nachname", "E-Mail", "Company name", "Telefon", "Notes", "Tags"]

    assert guess_mapping("contacts", headers) == {
        "Vorname": "first_name",
        "Nachname": "last_name",
        "E-Mail": "email",
        "Company name": "company",
        "Telefon": "phone",
        "Tags": "tags",
    }


def test_a_full_name_column_and_a_near_miss_are_recognised():
    assert guess_mapping("contacts", ["Name", "Emial", "Lifecycle stage"]) == {
        "Name": "full_name",
        "Emial": "email",
        "Lifecycle stage": "lifecycle",
    }


def test_each_field_is_guessed_for_one_column_only():
    assert guess_mapping("contacts", ["Email", "E-mail address"]) == {"Email": "email"}


def test_deal_guesses_link_the_contact_by_email():
    headers = ["Deal name", "Amount", "Stage", "Email", "First name", "Close date"]

    assert guess_mapping("deals", headers) == {
        "Deal name": "title",
        "Amount": "value",
        "Stage": "stage",
        "Email": "contact_email",
        "First name": "contact_first_name",
        "Close date": "expected_close_date",
    }


def test_company_guesses_take_website_as_domain():
    assert guess_mapping("companies", ["Company", "Website", "Branche"]) == {
        "Company": "name",
        "Website": "domain",
        "Branche": "industry",
    }


def test_mapping_check_names_every_problem():
    with pytest.raises(ValidationError) as exc:
        mapping_check("contacts", ["A", "B"], {"A": "email", "B": "email"})

    assert exc.value.messages == [
        "Two columns are mapped to “Email”.",
        "Map a column to “First name” or “Full name (split into first and last)”.",
    ]


def test_mapping_check_accepts_a_full_name_instead_of_a_first_name():
    mapping_check("contacts", ["Name"], {"Name": "full_name"})


def test_read_table_sniffs_semicolons_pads_short_lines_and_skips_blank_ones():
    raw = "Vorname;Nachname;E-Mail\nAda;Lovelace;ada@example.com\n\nGrace;Hopper\n".encode("cp1252")

    table = read_table(raw, name="kontakte.csv")

    assert table.headers == ["Vorname", "Nachname", "E-Mail"]
    assert table.rows == [
        (2, ["Ada", "Lovelace", "ada@example.com"]),
        (4, ["Grace", "Hopper", None]),
    ]


def test_read_table_names_blank_and_repeated_headers():
    table = read_table(b"Email,,Email\nx,y,z\n", name="a.csv")

    assert table.headers == ["Email", "Column 2", "Email (2)"]


def test_read_table_reads_xlsx_through_tablib():
    import tablib

    dataset = tablib.Dataset(headers=["First name", "Amount"])
    dataset.append(["Ada", 12.5])

    table = read_table(dataset.export("xlsx"), name="people.xlsx")

    assert table.headers == ["First name", "Amount"]
    assert table.rows == [(2, ["Ada", 12.5])]


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("a.pdf", b"x", "Upload a .csv or .xlsx file."),
        ("a.csv", b"\n\n", "The file is empty."),
        ("a.xlsx", b"not a zip", "The file is not a readable XLSX workbook."),
    ],
)
def test_read_table_rejects_unusable_files(name, raw, message):
    with pytest.raises(ValidationError) as exc:
        read_table(raw, name=name)

    assert exc.value.messages == [message]
