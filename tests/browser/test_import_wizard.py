"""Upload a CSV in Chromium, check the guessed mapping and the preview, watch the progress."""

import pytest
from playwright.sync_api import expect

from crm.models import Contact, ImportJob

CSV = (
    "Vorname,Nachname,E-Mail,Firma\n"
    "Ada,Lovelace,ada@example.com,Analytical\n"
    "Grace,Hopper,grace@example.com,Navy\n"
    "Alan,Turing,not-an-email,Bletchley\n"
)


@pytest.mark.browser
def test_upload_map_preview_and_watch_the_import_reach_100_percent(
    browser_login, live_server, manager, import_worker
):
    page = browser_login(manager)
    page.goto(f"{live_server.url}/imports/")

    page.get_by_label("What the file contains").select_option("contacts")
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": "kontakte.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Map the columns")
    expect(page.get_by_label("Vorname")).to_have_value("first_name")
    expect(page.get_by_label("E-Mail")).to_have_value("email")
    expect(page.get_by_label("Firma")).to_have_value("company")
    page.get_by_label("Nachname").select_option("last_name")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_test_id("preview-valid")).to_have_text("2")
    expect(page.get_by_test_id("preview-invalid")).to_have_text("1")
    expect(page.get_by_test_id("preview-errors")).to_contain_text(
        "“not-an-email” is not a valid email address."
    )
    page.get_by_role("button", name="Import 2 valid rows").click()

    expect(page.get_by_test_id("import-percent")).to_have_text("100 %", timeout=30_000)
    expect(page.get_by_test_id("import-status")).to_have_text("Completed")
    expect(page.get_by_test_id("import-created")).to_have_text("2")
    expect(page.get_by_role("link", name="Download the error report (CSV)")).to_be_visible()
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "grace@example.com",
    ]
    assert ImportJob.objects.get().failed_rows == 1
