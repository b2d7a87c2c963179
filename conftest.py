"""Fixtures shared by every app's tests: one user per role, API clients, Chromium."""

import os

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect
from rest_framework.test import APIClient

from crm.models import Role
from crm.tests.factories import UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# test body are still synchronous and safe, so allow them (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# Minutes-long tests and modules go first, so under pytest-xdist the other processes share
# out the short ones meanwhile instead of one process ending the run alone with a long one.
# (`make test` passes --no-loadscope-reorder: xdist would otherwise order modules by their
# number of tests, and a one-test module of three minutes would start last.)
LONG_FIRST = ("smoke", "worker", "slow", "fuzz")


def pytest_collection_modifyitems(items):
    """Stable sort by the first of LONG_FIRST an item is marked with, unmarked last, in
    collection order otherwise (every xdist process collects the same order, as it must)."""

    def rank(item):
        names = {marker.name for marker in item.iter_markers()}
        return next((i for i, name in enumerate(LONG_FIRST) if name in names), len(LONG_FIRST))

    items.sort(key=rank)


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A request leaves its language (the browser's, a user's) active in the test thread;
    code a later test runs outside a request must not inherit it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _shipped_rules_back(request):
    """Transactional tests (browser, worker) flush the rows migrations seed; a later test
    that reads the shipped rules and the Nurture campaign finds them as a fresh database
    has them, whatever order the tests ran in."""
    marker = request.node.get_closest_marker("django_db")
    if (
        marker is None
        or marker.kwargs.get("transaction")
        or "transactional_db" in (request.fixturenames)
    ):
        return
    request.getfixturevalue("db")
    from automation.defaults import default_rules_seed
    from automation.models import Rule

    if not Rule.objects.exists():
        default_rules_seed()


@pytest.fixture
def make_user(db):
    def make(role=Role.REP, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def rep(make_user):
    return make_user(Role.REP, username="rep1")


@pytest.fixture
def other_rep(make_user):
    return make_user(Role.REP, username="rep2")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, username="manager")


@pytest.fixture
def marketer(make_user):
    return make_user(Role.MARKETING, username="marketing")


@pytest.fixture
def support_agent(make_user):
    return make_user(Role.SUPPORT, username="support")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, username="admin")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as(api_client):
    """`api_as(user)` returns an API client authenticated as that user."""

    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker consuming from Redis in this process (not eager mode)."""
    from automation.tests.fixtures import thread_worker

    with thread_worker() as worker:
        yield worker


# --- Browser tests (pytest-playwright with Debian's Chromium) ---------------------------

# Playwright's assertions wait 5 s by default; on a busy 2-core machine a drag's answer or
# a search's refresh can take longer. They wait on the condition, so a longer bound costs
# nothing when the page is quick.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_login(live_server, context):
    """`browser_login(user)` gives a Playwright page already signed in as `user`."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    def login(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    return login
