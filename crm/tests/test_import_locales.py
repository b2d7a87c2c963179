"""Files from real offices: character sets, number and date formats, the formula guard.

Each file gives exactly the values a person reads in it, or the preview asks a question;
nothing is changed silently.
"""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.importing import services
from crm.importing.encodings import detect_encoding
from crm.importing.formats import column_readings
from crm.importing.formula_guard import neutralise_cell, restore_cell
from crm.importing.selectors import import_preview
from crm.models import Company, Contact, Deal, DuplicatePolicy, ImportStatus
from crm.tests.factories import pipeline_with_stages

TURKISH = "E-posta;Ad;Soyad;Şirket\r\nx@example.test;Şükrü;Yılmaz;Güneş İnşaat\r\n"
ROMANIAN = "Email;Prenume;Nume\r\ns@example.test;Ştefan;Ţăranu\r\n"
GERMAN = "E-Mail;Vorname;Nachname;Firma\r\nj@example.test;Jürgen;Müßig;Bäckerei Größe\r\n"
KOREAN = "이메일,이름,성,회사\r\nk@example.test,민준,김,한빛상사\r\n"
# Windows-1256 has the Persian letters پ چ ژ گ ک; Excel writes ی as the Arabic ي.
PERSIAN = "email,first_name,last_name,company\r\np@example.test,کامران,پاکزاد,شرکت گلستان\r\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_job(actor, kind, raw: bytes, *, name="file.csv", encoding=""):
    upload = SimpleUploadedFile(name, raw, content_type="text/csv")
    job = services.import_job_create(actor=actor, kind=kind, upload=upload, encoding=encoding)
    return services.import_job_set_mapping(
        job=job,
        actor=actor,
        mapping=job.mapping,
        duplicate_policy=DuplicatePolicy.SKIP,
        automate=False,
    )


def start_and_run(job, actor):
    with mock.patch.object(services, "enqueue_on_commit"):
        services.import_job_start(job=job, actor=actor)
    return services.import_job_run(job_id=job.pk)


@pytest.mark.parametrize(
    ("text", "encoding", "detected"),
    [
        (TURKISH, "cp1254", "cp1254"),
        (ROMANIAN, "cp1250", "cp1250"),
        (GERMAN, "cp1252", "cp1252"),
        (KOREAN, "cp949", "cp949"),
        (KOREAN, "euc-kr", "cp949"),
        (PERSIAN, "cp1256", "cp1256"),
        (TURKISH, "utf-8", "utf-8"),
        (TURKISH, "utf-8-sig", "utf-8"),
    ],
)
def test_office_encodings_are_detected_and_read_exactly(text, encoding, detected):
    decoded = detect_encoding(text.encode(encoding))

    assert decoded.encoding == detected
    assert decoded.text == text


@pytest.mark.django_db
def test_a_turkish_windows_1254_file_imports_exactly(manager):
    job = make_job(manager, "contacts", TURKISH.encode("cp1254"))

    assert (job.encoding, job.detected_encoding) == ("cp1254", "cp1254")
    assert job.headers == ["E-posta", "Ad", "Soyad", "Şirket"]
    assert job.mapping == {
        "E-posta": "email",
        "Ad": "first_name",
        "Soyad": "last_name",
        "Şirket": "company",
    }
    preview = import_preview(job=job)
    assert [cell for cell, _stored in preview.sample[0].cells] == [
        "x@example.test",
        "Şükrü",
        "Yılmaz",
        "Güneş İnşaat",
    ]
    job = start_and_run(job, manager)

    assert (job.created_rows, job.failed_rows) == (1, 0)
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.company.name) == (
        "Şükrü",
        "Yılmaz",
        "Güneş İnşaat",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (ROMANIAN, "cp1250", ("Ştefan", "Ţăranu", None)),
        (GERMAN, "cp1252", ("Jürgen", "Müßig", "Bäckerei Größe")),
        (KOREAN, "euc-kr", ("민준", "김", "한빛상사")),
        (PERSIAN, "cp1256", ("کامران", "پاکزاد", "شرکت گلستان")),
    ],
)
def test_romanian_german_korean_and_persian_files_import_exactly(manager, text, encoding, expected):
    job = make_job(manager, "contacts", text.encode(encoding))

    job = start_and_run(job, manager)

    assert (job.created_rows, job.failed_rows) == (1, 0)
    contact = Contact.objects.select_related("company").get()
    company = contact.company.name if contact.company else None
    assert (contact.first_name, contact.last_name, company) == expected


@pytest.mark.django_db
def test_choosing_an_encoding_reads_the_file_again_and_keeps_the_mapping(manager):
    job = make_job(manager, "contacts", TURKISH.encode("cp1254"))

    job = services.import_job_set_encoding(job=job, actor=manager, encoding="cp1252")

    assert job.encoding == "cp1252"
    assert job.headers == ["E-posta", "Ad", "Soyad", "Þirket"]
    assert job.mapping == {
        "E-posta": "email",
        "Ad": "first_name",
        "Soyad": "last_name",
        "Þirket": "company",
    }
    preview = import_preview(job=job)
    assert preview.sample[0].cells[1] == ("Þükrü", "")

    job = services.import_job_set_encoding(job=job, actor=manager, encoding="windows-1254")
    assert (job.encoding, job.headers[3]) == ("cp1254", "Şirket")


@pytest.mark.django_db
def test_an_encoding_the_file_does_not_decode_in_is_refused_with_a_clear_message(manager):
    job = make_job(manager, "contacts", KOREAN.encode("cp949"))

    with pytest.raises(ValidationError) as exc:
        services.import_job_set_encoding(job=job, actor=manager, encoding="utf-8")

    assert exc.value.message_dict == {
        "encoding": [
            "The file does not read cleanly as Unicode (UTF-8): byte 0xC0 on line 1 is not a "
            "character in it. Choose another character set."
        ]
    }
    job.refresh_from_db()
    assert (job.encoding, job.headers[0]) == ("cp949", "이메일")


@pytest.mark.django_db
def test_an_upload_in_a_named_encoding_it_does_not_decode_in_is_refused(manager):
    upload = SimpleUploadedFile("k.csv", KOREAN.encode("cp949"), content_type="text/csv")

    with pytest.raises(ValidationError) as exc:
        services.import_job_create(actor=manager, kind="contacts", upload=upload, encoding="utf-8")

    assert list(exc.value.message_dict) == ["encoding"]


@pytest.mark.django_db
def test_german_numbers_are_read_by_the_whole_column(manager):
    pipeline_with_stages(is_default=True)
    raw = "Titel;Wert\r\nErster;1.500\r\nZweiter;2.345,50\r\n".encode("cp1252")
    job = make_job(manager, "deals", raw)

    preview = import_preview(job=job)

    (reading,) = preview.readings
    assert (reading.header, reading.detected, reading.needs_answer) == ("Wert", "comma", False)
    assert reading.examples == [("1.500", "1,500.00"), ("2.345,50", "2,345.50")]
    assert [row.cells[1] for row in preview.sample] == [
        ("1.500", "1,500.00"),
        ("2.345,50", "2,345.50"),
    ]
    start_and_run(job, manager)
    assert sorted(Deal.objects.values_list("value", flat=True)) == [
        Decimal("1500.00"),
        Decimal("2345.50"),
    ]


@pytest.mark.django_db
def test_us_dates_are_read_by_the_whole_column(manager):
    raw = b"First name,Email,Birth date\nAda,a@example.test,12/31/1980\nBo,b@example.test,12/01/1980\n"
    job = make_job(manager, "contacts", raw)

    preview = import_preview(job=job)

    (reading,) = preview.readings
    assert (reading.detected, reading.needs_answer) == ("mdy", False)
    assert reading.examples == [("12/01/1980", "1980-12-01"), ("12/31/1980", "1980-12-31")]
    start_and_run(job, manager)
    assert dict(Contact.objects.values_list("first_name", "birth_date")) == {
        "Ada": dt.date(1980, 12, 31),
        "Bo": dt.date(1980, 12, 1),
    }


@pytest.mark.django_db
def test_an_ambiguous_column_asks_and_the_import_waits_for_the_answer(manager):
    raw = b"First name,Birth date\nAda,12/01/1980\nBo,03/04/1981\n"
    job = make_job(manager, "contacts", raw)

    preview = import_preview(job=job)
    (question,) = preview.questions
    assert (question.header, question.ambiguous_cells) == ("Birth date", 2)
    assert question.examples[0] == ("12/01/1980", "1980-01-12 or 1980-12-01?")
    assert preview.valid == 0
    assert preview.errors[0][1].reason == (
        "“12/01/1980” can be read two ways: choose how the column is written in the preview."
    )
    with pytest.raises(ValidationError) as exc:
        services.import_job_start(job=job, actor=manager)
    assert exc.value.message_dict == {
        "options": ["Say how these columns are written; their cells read two ways: “Birth date”."]
    }
    assert job.status == ImportStatus.DRAFT

    services.import_job_set_column_formats(job=job, actor=manager, answers={"Birth date": "dmy"})
    job = start_and_run(job, manager)

    assert job.column_formats == {"Birth date": "dmy"}
    assert dict(Contact.objects.values_list("first_name", "birth_date")) == {
        "Ada": dt.date(1980, 1, 12),
        "Bo": dt.date(1981, 4, 3),
    }


@pytest.mark.django_db
def test_numbers_that_only_read_two_ways_ask_too(manager):
    pipeline_with_stages(is_default=True)
    job = make_job(manager, "deals", b"Title,Value\nOne,1.500\nTwo,2.250\n")

    (question,) = import_preview(job=job).questions

    assert question.examples[0] == ("1.500", "1.50 or 1,500.00?")
    services.import_job_set_column_formats(job=job, actor=manager, answers={"Value": "point"})
    start_and_run(job, manager)
    assert sorted(Deal.objects.values_list("value", flat=True)) == [
        Decimal("1.50"),
        Decimal("2.25"),
    ]


@pytest.mark.django_db
def test_a_column_with_conflicting_cells_asks_and_never_reads_two_ways(manager):
    pipeline_with_stages(is_default=True)
    job = make_job(manager, "deals", b"Title;Value\nOne;2.345,50\nTwo;1,234.50\n")

    (question,) = import_preview(job=job).questions
    assert question.conflict is True

    services.import_job_set_column_formats(job=job, actor=manager, answers={"Value": "comma"})
    job = start_and_run(job, manager)

    assert (job.created_rows, job.failed_rows) == (1, 1)
    assert Deal.objects.get().value == Decimal("2345.50")
    error = job.row_errors.get()
    assert (error.row_number, error.column, error.reason) == (
        3,
        "Value",
        "“1,234.50” is not a number written as 1.234,56 (decimal comma).",
    )


@pytest.mark.django_db
def test_a_format_for_an_unmapped_column_is_refused(manager):
    job = make_job(manager, "contacts", b"First name,Birth date\nAda,12/01/1980\n")

    with pytest.raises(ValidationError) as exc:
        services.import_job_set_column_formats(
            job=job, actor=manager, answers={"First name": "dmy"}
        )

    assert list(exc.value.message_dict) == ["options"]


def test_column_readings_ignore_typed_xlsx_cells_and_iso_dates():
    readings = column_readings(
        kind="contacts",
        headers=["First name", "Birth date"],
        mapping={"First name": "first_name", "Birth date": "birth_date"},
        rows=[(2, ["Ada", dt.datetime(1980, 1, 2)]), (3, ["Bo", "1980-03-04"])],
    )

    assert [(r.header, r.needs_answer, r.ambiguous_cells) for r in readings] == [
        ("Birth date", False, 0)
    ]


@pytest.mark.parametrize(
    "value",
    ["@Home Interiors", "=SUM(A1)", "+cmd", "-x", "'=already quoted", "''@twice", "'plain"],
)
def test_the_formula_guard_is_undone_exactly(value):
    assert restore_cell(neutralise_cell(value)) == value


def test_the_formula_guard_leaves_numbers_and_plain_quotes_alone():
    assert neutralise_cell("+49 30 1234") == "+49 30 1234"
    assert neutralise_cell("@Home Interiors") == "'@Home Interiors"
    assert restore_cell("'plain") == "'plain"


@pytest.mark.django_db
def test_an_exported_guarded_name_imports_without_its_quote(manager):
    raw = b"Name,Domain\r\n'@Home Interiors,home.example\r\n'=Formula Ltd,\r\n"
    job = make_job(manager, "companies", raw)

    start_and_run(job, manager)

    assert sorted(Company.objects.values_list("name", flat=True)) == [
        "=Formula Ltd",
        "@Home Interiors",
    ]
