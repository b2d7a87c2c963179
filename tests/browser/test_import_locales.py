"""A Turkish Windows-1254 file in Chromium: the preview names the character set, shows the
names as written, lets the user try another set, and asks about an ambiguous date column
before the import can start."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from crm.models import Contact, ImportJob

TURKISH = (
    "E-posta;Ad;Soyad;Şirket;Doğum tarihi\r\n"
    "x@example.test;Şükrü;Yılmaz;Güneş İnşaat;03/04/1980\r\n"
).encode("cp1254")


@pytest.mark.browser
def test_a_turkish_file_reads_right_in_the_preview_and_asks_about_its_dates(
    browser_login, live_server, manager, import_worker
):
    page = browser_login(manager)
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("What the file contains").select_option("contacts")
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": "kisiler.csv", "mimeType": "text/csv", "buffer": TURKISH}
    )
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_label("Şirket")).to_have_value("company")
    page.get_by_label("Doğum tarihi").select_option("birth_date")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_test_id("detected-encoding")).to_have_text("Turkish (Windows-1254)")
    sample = page.get_by_test_id("preview-sample")
    expect(sample).to_contain_text("Şükrü")
    expect(sample).to_contain_text("Güneş İnşaat")
    expect(page.get_by_test_id("preview-questions")).to_be_visible()
    expect(page.get_by_role("button", name="Import 0 valid rows")).to_be_disabled()

    # Another character set shows what it would read: the user sees it is wrong.
    page.get_by_label("Character set").select_option("cp1252")
    page.get_by_role("button", name="Read again").click()
    expect(page.get_by_test_id("preview-sample")).to_contain_text("Þükrü")
    page.get_by_label("Character set").select_option("cp1254")
    page.get_by_role("button", name="Read again").click()
    expect(page.get_by_test_id("preview-sample")).to_contain_text("Şükrü")

    readings = page.get_by_test_id("column-readings")
    expect(readings).to_contain_text("03/04/1980 → 1980-04-03 or 1980-03-04?")
    page.get_by_label("Doğum tarihi").select_option("dmy")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("preview-questions")).to_have_count(0)
    expect(page.get_by_test_id("preview-sample")).to_contain_text("03/04/1980 → 1980-04-03")
    page.get_by_role("button", name="Import 1 valid row").click()

    expect(page.get_by_test_id("import-status")).to_have_text("Completed", timeout=30_000)
    contact = Contact.objects.select_related("company").get()
    assert (contact.first_name, contact.last_name, contact.company.name) == (
        "Şükrü",
        "Yılmaz",
        "Güneş İnşaat",
    )
    assert contact.birth_date == dt.date(1980, 4, 3)
    assert ImportJob.objects.get().encoding == "cp1254"
