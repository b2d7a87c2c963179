import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.importing import services
from crm.models import Contact, ImportJob, ImportStatus

CSV = b"Vorname,Nachname,E-Mail\nAda,Lovelace,ada@example.com\nGrace,Hopper,broken\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client, content=CSV, name="kontakte.csv", kind="contacts"):
    return client.post(
        reverse("importing:start"),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


@pytest.mark.parametrize("role_fixture", ["rep", "marketer", "support_agent"])
def test_import_pages_are_forbidden_without_the_imports_right(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(reverse("importing:start")).status_code == 403
    assert _upload(client).status_code == 403
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("role_fixture", ["manager", "admin_user"])
def test_managers_and_admins_walk_through_the_wizard(
    client, request, role_fixture, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)

    response = _upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("importing:mapping", args=[job.pk])

    page = client.get(response["Location"])
    assert page.status_code == 200
    form = page.context["form"]
    assert [form[name].initial for _header, name in form.columns] == [
        "first_name",
        "last_name",
        "email",
    ]

    response = client.post(
        reverse("importing:mapping", args=[job.pk]),
        {
            "col_0": "first_name",
            "col_1": "last_name",
            "col_2": "email",
            "duplicate_policy": "skip",
        },
    )
    assert response["Location"] == reverse("importing:preview", args=[job.pk])

    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert (preview.context["preview"].valid, preview.context["preview"].invalid) == (1, 1)
    assert "“broken” is not a valid email address." in preview.content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("importing:preview", args=[job.pk]))
    assert response["Location"] == reverse("importing:detail", args=[job.pk])
    assert len(callbacks) == 1  # the task is handed over only after the commit
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED

    services.import_job_run(job_id=job.pk)  # what the worker does with that task

    progress = client.get(reverse("importing:progress", args=[job.pk]))
    body = progress.content.decode()
    assert 'value="100"' in body
    assert "hx-trigger" not in body  # finished: polling stops
    report = client.get(reverse("importing:errors", args=[job.pk]))
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    assert report.content.decode("utf-8-sig").splitlines() == [
        "row,column,reason,value",
        "3,E-Mail,“broken” is not a valid email address.,broken",
    ]
    assert list(Contact.objects.values_list("email", flat=True)) == ["ada@example.com"]


def test_a_running_job_keeps_polling(client, manager):
    client.force_login(manager)
    _upload(client)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=1)

    body = client.get(reverse("importing:detail", args=[job.pk])).content.decode()

    assert 'hx-trigger="every 1s"' in body
    assert 'value="50"' in body


def test_a_bad_file_is_a_form_error(client, manager):
    client.force_login(manager)

    response = _upload(client, content=b"%PDF-1.4", name="scan.pdf")

    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["Upload a .csv or .xlsx file."]}


def test_a_mapping_without_a_name_is_a_form_error(client, manager):
    client.force_login(manager)
    _upload(client)
    job = ImportJob.objects.get()

    response = client.post(
        reverse("importing:mapping", args=[job.pk]),
        {"col_0": "", "col_1": "last_name", "col_2": "email", "duplicate_policy": "skip"},
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Map a column to “First name” or “Full name (split into first and last)”."
    ]


def test_jobs_of_unknown_ids_are_404(client, manager):
    client.force_login(manager)

    assert client.get(reverse("importing:detail", args=[999])).status_code == 404


def test_import_job_api_reports_progress(api_as, manager, rep):
    job = ImportJob.objects.create(
        kind="contacts",
        original_name="a.csv",
        file="imports/a.csv",
        total_rows=4,
        processed_rows=1,
        status=ImportStatus.RUNNING,
        created_by=manager,
    )

    response = api_as(manager).get(f"/api/imports/{job.pk}/")

    assert response.status_code == 200
    assert (response.json()["percent"], response.json()["status"]) == (25, "running")
    assert api_as(rep).get(f"/api/imports/{job.pk}/").status_code == 403


TURKISH = "E-posta;Ad;Soyad;Şirket\r\nx@example.test;Şükrü;Yılmaz;Güneş İnşaat\r\n".encode("cp1254")


def test_the_preview_shows_the_detected_character_set_and_lets_a_user_change_it(client, manager):
    client.force_login(manager)
    _upload(client, content=TURKISH, name="kisiler.csv")
    job = ImportJob.objects.get()
    url = reverse("importing:preview", args=[job.pk])

    body = client.get(url).content.decode()
    assert 'data-testid="detected-encoding">Turkish (Windows-1254)</strong>' in body
    assert "<td>Şükrü</td>" in body
    assert "<td>Güneş İnşaat</td>" in body

    response = client.post(url, {"action": "encoding", "encoding": "cp1252"})
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert 'data-testid="current-encoding">Western European (Windows-1252)</strong>' in body
    assert "<td>Þükrü</td>" in body


def test_an_encoding_that_does_not_decode_is_refused_on_the_preview(client, manager):
    client.force_login(manager)
    _upload(client, content="이메일,이름\nk@example.test,민준\n".encode("cp949"), name="k.csv")
    job = ImportJob.objects.get()
    url = reverse("importing:preview", args=[job.pk])

    response = client.post(url, {"action": "encoding", "encoding": "utf-8"})

    assert response.status_code == 400
    assert (
        "The file does not read cleanly as Unicode (UTF-8): byte 0xC0 on line 1 is not a "
        "character in it. Choose another character set."
    ) in response.content.decode()
    job.refresh_from_db()
    assert job.encoding == "cp949"


def test_the_preview_asks_about_an_ambiguous_column_and_takes_the_answer(client, manager):
    client.force_login(manager)
    _upload(client, content=b"First name,Birth date\nAda,12/01/1980\n", name="p.csv")
    job = ImportJob.objects.get()
    url = reverse("importing:preview", args=[job.pk])

    body = client.get(url).content.decode()
    assert 'data-testid="preview-questions"' in body
    assert (
        '<code>12/01/1980</code> <span class="arrow" aria-hidden="true">→</span> '
        "<code>1980-01-12 or 1980-12-01?</code>"
    ) in body
    response = client.post(url)  # starting is refused until the column is answered
    assert response["Location"] == url
    job.refresh_from_db()
    assert job.status == ImportStatus.DRAFT

    response = client.post(url, {"action": "formats", "format_1": "mdy"})
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert 'data-testid="preview-questions"' not in body
    assert (
        '12/01/1980 <span class="muted"><span class="arrow" aria-hidden="true">→</span> 1980-12-01'
        in body
    )
    job.refresh_from_db()
    assert job.column_formats == {"Birth date": "mdy"}

    client.post(url)
    detail = client.get(reverse("importing:detail", args=[job.pk])).content.decode()
    assert "Character set: Unicode (UTF-8)." in detail
    assert "<li>Birth date: month first (12/31/1980)</li>" in detail


def test_every_csv_the_importer_writes_has_a_bom_so_excel_reads_utf8(client, api_as, manager):
    client.force_login(manager)
    _upload(client, content="Ad,E-posta\nŞükrü,broken\n".encode(), name="k.csv")
    job = ImportJob.objects.get()
    client.post(
        reverse("importing:mapping", args=[job.pk]),
        {"col_0": "first_name", "col_1": "email", "duplicate_policy": "skip"},
    )

    downloads = [
        client.get(reverse("importing:template", args=["contacts"])),
        client.get(reverse("importing:preview_errors", args=[job.pk])),
        client.get(reverse("importing:errors", args=[job.pk])),
        client.get(reverse("importing:export", args=["contacts", "csv"])),
        api_as(manager).get("/api/export/contacts/?format=csv"),
    ]

    for response in downloads:
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body.startswith(b"\xef\xbb\xbf"), body[:40]
    preview_report = downloads[1].content.decode("utf-8-sig").splitlines()
    assert preview_report[1] == "2,E-posta,“broken” is not a valid email address.,broken"


def test_a_format_that_is_not_a_choice_is_a_preview_error(client, manager):
    client.force_login(manager)
    _upload(client, content=b"First name,Birth date\nAda,12/01/1980\n", name="p.csv")
    job = ImportJob.objects.get()

    response = client.post(
        reverse("importing:preview", args=[job.pk]), {"action": "formats", "format_1": "ydm"}
    )

    assert response.status_code == 400
    assert "Birth date: Select a valid choice. ydm is not one of the available choices." in (
        response.content.decode()
    )
    job.refresh_from_db()
    assert job.column_formats == {}
