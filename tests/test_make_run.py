"""The newcomer's path: `make run` from a checkout, exactly as the README says, then use it.

The stack starts with the embedded PostgreSQL and the filesystem broker (none of the
machine's services), seeds the demo and serves web, worker and beat. Then, as each demo
user, every page of the navigation, every export and report linked from those pages,
an import with a Tags column, a deal-value rule through the worker, an NPS email's link,
a worker killed and restarted, and Ctrl-C. Minutes of work, so one stack for the module.
"""

import csv
import io
import os
import shutil
import signal
import tempfile
import time
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from metrics.demo import demo_history_days
from tests.makerun import MakeRun

pytestmark = pytest.mark.smoke

# One demo user per role (rep2 and rep3 see the pages rep1 sees, over other rows).
ONE_USER_PER_ROLE = ("admin", "manager", "rep1", "marketing", "support")
PASSWORD = "goalpost"
# A busy 2-core machine seeds in a few minutes; a quiet one in about one.
START_TIMEOUT = 900
WORKER_TIMEOUT = 120
# The worker's first job, half a minute on a quiet machine, minutes beside the suite.
HISTORY_TIMEOUT = 600


@pytest.fixture(scope="module")
def stack():
    # A folder of its own, not pytest's tmp_path: another pytest session on the machine
    # prunes old tmp_path folders, and this one holds a running database.
    var_dir = Path(tempfile.mkdtemp(prefix="goalpost-smoke-"))
    run = MakeRun(var_dir=var_dir)
    run.start()
    try:
        run.wait_until_serving(timeout=START_TIMEOUT)
        yield run
    finally:
        run.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.nav: list[str] = []
        self.all: list[str] = []
        self._in_nav = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("id") == "site-nav":
            self._in_nav = 1
        elif tag == "nav" and self._in_nav:
            self._in_nav += 1
        if tag == "a" and attrs.get("href"):
            self.all.append(attrs["href"])
            if self._in_nav:
                self.nav.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _is_export_or_report(url: str) -> bool:
    path = urlsplit(url).path
    return "export" in url or path.startswith("/reports/") or path.endswith((".csv", ".xlsx"))


def _worth_following(url: str) -> bool:
    """Exports, reports and every page a menu page links to that is not one record's
    (record pages are many and alike; the suite's own tests open them)."""
    path = urlsplit(url).path
    if path.startswith(("/accounts/logout", "/i18n/", "/admin/", "/static/", "/m/")):
        return False
    return _is_export_or_report(url) or not any(ch.isdigit() for ch in path)


def _signed_in(stack: MakeRun, username: str) -> requests.Session:
    session = requests.Session()
    login = stack.base_url + "/accounts/login/"
    session.get(login, timeout=30)
    response = session.post(
        login,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": login},
        timeout=30,
    )
    assert response.status_code == 200 and "sessionid" in session.cookies, username
    return session


def _api(stack: MakeRun, username: str) -> requests.Session:
    session = requests.Session()
    token = session.post(
        stack.base_url + "/api/auth/token/",
        json={"username": username, "password": PASSWORD},
        timeout=30,
    ).json()["token"]
    session.headers["Authorization"] = f"Token {token}"
    return session


def _eventually(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(1)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def test_healthz_names_postgresql_and_the_filesystem_broker(stack):
    body = requests.get(stack.base_url + "/healthz", timeout=30).json()

    assert body == {
        "status": "ok",
        "database_engine": "postgresql",
        "broker_transport": "filesystem",
        "database": "ok",
        "broker": "ok",
    }
    assert "SQLite" not in stack.output()


@pytest.mark.parametrize("username", ONE_USER_PER_ROLE)
def test_every_page_export_and_report_answers_without_a_server_error(stack, username):
    session = _signed_in(stack, username)
    home = session.get(stack.base_url + "/", timeout=60)
    nav = [urljoin(stack.base_url, href) for href in _links(home.text).nav]
    assert len(nav) >= 5, nav

    # Menu pages, the pages they link to, and exports and reports one step further.
    seen, failures = set(), []
    queue = [(url, 0) for url in nav]
    while queue:
        url, depth = queue.pop(0)
        if url in seen or urlsplit(url).netloc != urlsplit(stack.base_url).netloc:
            continue
        seen.add(url)
        response = session.get(url, timeout=120)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
        if depth < 2 and "text/html" in response.headers.get("Content-Type", ""):
            for href in _links(response.text).all:
                link = urljoin(url, href)
                if _is_export_or_report(link) or (depth == 0 and _worth_following(link)):
                    queue.append((link, depth + 1))

    assert failures == [], failures
    assert any(_is_export_or_report(url) for url in seen), sorted(seen)
    assert "/data-quality/" not in nav[0]  # the menu starts with My day
    if username == "admin":
        assert stack.base_url + "/data-quality/" in seen
        assert any("/data-quality/" in url and url.count("/") > 4 for url in seen), seen


def test_a_contacts_import_with_a_tags_column_completes(stack):
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["First name", "Email", "Tags"])
    writer.writerow(["Ada", "ada.smoke@example.test", "vip"])
    writer.writerow(["Grace", "grace.smoke@example.test", "vip, beta"])
    api = _api(stack, "admin")

    started = api.post(
        stack.base_url + "/api/imports/",
        data={"kind": "contacts"},
        files={"file": ("contacts.csv", rows.getvalue().encode(), "text/csv")},
        timeout=60,
    )

    assert started.status_code == 201, started.text
    job_url = f"{stack.base_url}/api/imports/{started.json()['id']}/"

    def finished():
        job = api.get(job_url, timeout=30).json()
        return job if job["status"] in ("completed", "failed") else None

    job = _eventually(finished, timeout=WORKER_TIMEOUT, what="the import")
    assert (job["status"], job["created_rows"], job["failed_rows"]) == ("completed", 2, 0), job
    contacts = api.get(
        stack.base_url + "/api/contacts/", params={"search": "smoke@example.test"}, timeout=30
    ).json()["results"]
    assert sorted(tag for c in contacts for tag in c["tags"]) == ["beta", "vip", "vip"]
    # The person who started it sees the same on the job's page.
    page = _signed_in(stack, "admin").get(f"{stack.base_url}/imports/{job['id']}/", timeout=30)
    assert '<strong data-testid="import-status">Completed</strong>' in page.text


def test_a_deal_over_500_gets_its_call_task_from_the_worker(stack):
    api = _api(stack, "rep1")
    pipeline = api.get(stack.base_url + "/api/pipelines/", timeout=30).json()["results"][0]
    deal = api.post(
        stack.base_url + "/api/deals/",
        json={"title": "Smoke test deal", "value": "600", "pipeline": pipeline["id"]},
        timeout=30,
    ).json()

    def call_task():
        tasks = api.get(
            stack.base_url + "/api/activities/", params={"deal": deal["id"]}, timeout=30
        ).json()["results"]
        return [t for t in tasks if t["kind"] == "call"]

    tasks = _eventually(call_task, timeout=WORKER_TIMEOUT, what="the call task")
    assert len(tasks) == 1
    assert tasks[0]["subject"] == "Call about Smoke test deal ($600.00)"


def test_nps_email_links_point_at_the_port_served_on(stack):
    api = _api(stack, "support")
    contact = next(
        c
        for c in api.get(stack.base_url + "/api/contacts/", timeout=30).json()["results"]
        if c["email"] and not c["opted_out"]
    )
    response = api.post(
        stack.base_url + "/api/nps-surveys/", json={"contact": contact["id"]}, timeout=30
    )
    assert response.status_code == 201, response.text

    link = stack.wait_for_output(r"http://127\.0\.0\.1:(\d+)/m/nps/\S+", timeout=WORKER_TIMEOUT)
    assert int(link.group(1)) == stack.port


def test_the_worker_fills_in_the_kpi_history_the_seeding_handed_it(stack):
    """The demo's year of snapshots (30 daily and 48 weekly days) comes from the worker,
    after the site started serving."""
    planned = demo_history_days()
    assert f"KPI history of {len(planned)} days handed to the worker" in stack.output()
    api = _api(stack, "manager")

    def company_history():
        page = api.get(
            stack.base_url + "/api/kpi-snapshots/",
            params={"kpi": "open_deals", "scope_type": "company", "page_size": 100},
            timeout=30,
        ).json()
        return page["results"] if page["count"] else None

    days = _eventually(company_history, timeout=HISTORY_TIMEOUT, what="the KPI history")
    dates = [date.fromisoformat(row["date"]) for row in days]
    # The plan's shape (made at seeding; today's plan may be a day on past midnight).
    assert len(dates) == len(planned)
    assert dates[-1] - dates[0] == planned[-1] - planned[0]


def test_a_killed_worker_is_back_within_10_seconds_and_the_site_keeps_serving(stack):
    pid = int(stack.wait_for_output(r"worker pid (\d+)", timeout=60).group(1))
    stack.wait_for_output(r"worker \| .*celery@\S+ ready", timeout=WORKER_TIMEOUT)

    os.kill(pid, signal.SIGKILL)

    assert requests.get(stack.base_url + "/healthz", timeout=10).status_code == 200
    restarted = stack.wait_for_output(r"Restarted worker \(pid (\d+)\)", timeout=10)
    assert int(restarted.group(1)) != pid
    # The new worker is the one that takes tasks: a rule still creates its call task.
    test_a_deal_over_500_gets_its_call_task_from_the_worker(stack)


def test_refused_requests_log_one_line_without_a_traceback(stack):
    session = _signed_in(stack, "rep1")
    forbidden = session.get(stack.base_url + "/automation/rules/", timeout=30)
    missing = session.get(stack.base_url + "/deals/999999999/", timeout=30)

    assert (forbidden.status_code, missing.status_code) == (403, 404)
    stack.wait_for_output(r"Not Found: /deals/999999999/", timeout=10)
    assert "Traceback" not in stack.output()


def test_ctrl_c_stops_every_process_within_10_seconds(stack):
    var_dir = str(stack.var_dir)

    seconds = stack.stop()

    assert seconds < 10, stack.tail()
    assert "Stopping the database" in stack.output()
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.base_url + "/healthz", timeout=5)
    import psutil

    leftovers = [
        p.info
        for p in psutil.process_iter(["pid", "cmdline"])
        if p.info["cmdline"] and any(var_dir in part for part in p.info["cmdline"])
    ]
    assert leftovers == []
