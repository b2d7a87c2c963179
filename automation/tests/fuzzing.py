"""Junk a client can send, and helpers that send it to a page and demand no 5xx.

Shared by the page fuzz tests of metrics, goals, automation and marketing: every value
below once reached (or could reach) a Python or database error somewhere.
"""

from urllib.parse import urlencode

ROLES = ["rep", "other_rep", "manager", "marketer", "support_agent", "admin_user"]

JUNK = [
    "",
    " ",
    "x",
    "-1",
    "0",
    "1e400",
    "NaN",
    "99999999999999999999999",
    "2025-02-30",
    "0001-01-01",
    "9999-12-31",
    "owner:abc",
    "team:99999999999999999999",
    ":",
    "<script>alert(1)</script>",
    "\x00",
    "x" * 3000,
]

# POST bodies get the values that break parsing, ranges or the database.
POST_JUNK = ["", "x", "-1", "99999999999999999999999", "0001-01-01", "9999-12-31", "1e400",
             "\x00", "x" * 3000]  # fmt: skip


def assert_no_5xx(response, what: str) -> None:
    assert response.status_code < 500, f"{response.status_code} for {what!r}"


def get_with_junk(client, url: str, params: list[str], *, each_alone: bool = True) -> None:
    """GET `url` with every param set to each junk value, then (`each_alone`) each param
    alone with the others absent (a junk end next to a valid default start, …)."""
    for junk in JUNK:
        query = urlencode(dict.fromkeys(params, junk))
        assert_no_5xx(client.get(f"{url}?{query}"), f"{url}?{query[:200]}")
    for name in params if each_alone else ():
        for junk in JUNK:
            query = urlencode({name: junk})
            assert_no_5xx(client.get(f"{url}?{query}"), f"{url}?{query[:200]}")
    # The same key twice, and both ends of a custom range swapped.
    assert_no_5xx(client.get(f"{url}?{'&'.join(f'{p}=1&{p}=x' for p in params)}"), url)
    for query in (
        "period=custom&start=2025-06-01&end=2025-01-01",
        "period=custom&start=1900-01-01&end=2999-12-31",
        "period=custom&start=2025-06-01",
    ):
        assert_no_5xx(client.get(f"{url}?{query}"), f"{url}?{query}")


def post_with_junk(client, url: str, valid: dict, **headers) -> None:
    """POST `valid` with each of its fields replaced by each junk value, and empty."""
    assert_no_5xx(client.post(url, {}, **headers), f"POST {url} {{}}")
    for name in valid:
        for junk in POST_JUNK:
            body = {**valid, name: junk}
            assert_no_5xx(client.post(url, body, **headers), f"POST {url} {name}={junk[:40]!r}")


def queries_at(client, url: str) -> int:
    """How many queries one GET of `url` runs (and it must render)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def assert_flat(client, url: str, add_rows, *, small: int = 3, large: int = 30) -> int:
    """The page runs the same number of queries with `small` rows and with `large` rows."""
    add_rows(small)
    queries_at(client, url)  # warm up: rows created on first view, per-process caches
    few = queries_at(client, url)
    add_rows(large - small)
    many = queries_at(client, url)
    assert many == few, f"{url}: {few} queries at {small} rows, {many} at {large}"
    return few
