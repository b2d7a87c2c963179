"""The list pages and API list pages the scale benchmarks time, and how they time them.

    from bench._list_pages import PAGES, measure
    figures = measure(client, PAGES, runs=7)   # {label: Figure(ms=median, queries=n)}

Requests go through Django's test client (every middleware, the templates, the
renderer), signed in as the user the caller chose; DEBUG is off (crm.settings.test).
"""

import statistics
import time
from dataclasses import dataclass

from django.db import connection

# (label, URL, table of its rows): the first page of each list as a person or an
# integration opens it.
PAGES = (
    ("deal list", "/deals/", "crm_deal"),
    ("contact list", "/contacts/", "crm_contact"),
    ("company list", "/companies/", "crm_company"),
    ("lead list", "/leads/", "crm_lead"),
    ("activity list", "/activities/", "crm_activity"),
    ("ticket list", "/tickets/", "crm_ticket"),
    ("/api/deals/", "/api/deals/", "crm_deal"),
    ("/api/contacts/", "/api/contacts/", "crm_contact"),
    ("/api/deals/?page_size=50", "/api/deals/?page_size=50", "crm_deal"),
    ("/api/companies/", "/api/companies/", "crm_company"),
    ("/api/leads/", "/api/leads/", "crm_lead"),
    ("/api/activities/", "/api/activities/", "crm_activity"),
    ("/api/tickets/", "/api/tickets/", "crm_ticket"),
    ("/api/interactions/", "/api/interactions/", "crm_interaction"),
)


@dataclass(frozen=True)
class Figure:
    ms: float  # median wall time of one request, milliseconds
    queries: int  # SQL statements one request runs

    def __str__(self):
        return f"{self.ms:.1f} ms, {self.queries} queries"


def allow_test_client() -> None:
    """Accept the test client's host. setup_test_environment() is avoided on purpose: its
    template instrumentation would be timed with the pages."""
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def get(client, url: str) -> None:
    """One request; anything but a 200 stops the benchmark (a timed error page is no figure)."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code}")
    # A streamed body is only produced when read.
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


class QueryLog:
    """An execute wrapper keeping each statement's (sql, params) (CaptureQueriesContext
    sees none of the test client's queries here: the request's end resets the log)."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def statements(client, url: str) -> list[tuple[str, object]]:
    """The (sql, params) of every statement one request runs."""
    log = QueryLog()
    with connection.execute_wrapper(log):
        get(client, url)
    return log.statements


def measure_one(client, url: str, runs: int) -> Figure:
    """Median of `runs` timed requests after one warm-up that also counts the queries."""
    queries = len(statements(client, url))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        get(client, url)
        times.append((time.perf_counter() - started) * 1000)
    return Figure(statistics.median(times), queries)


def measure(client, pages=PAGES, runs: int = 7) -> dict[str, Figure]:
    """{label: Figure} for each (label, URL, table) of `pages`, printed as it is measured."""
    figures = {}
    for label, url, _table in pages:
        figures[label] = measure_one(client, url, runs)
        print(f"  {label}: {figures[label]}", flush=True)
    return figures


def requests_per_second(client, url: str, seconds: float = 5.0) -> float:
    """Sequential requests answered per second over about `seconds` (after a warm-up)."""
    get(client, url)
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        get(client, url)
        done += 1
    return done / elapsed
