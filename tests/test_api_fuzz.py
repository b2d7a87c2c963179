"""Schema-driven fuzzing of the whole REST API: nothing a client sends yields a 500.

Schemathesis reads /api/schema/ and generates requests for every operation, both valid
ones and (negative mode) ones that break the schema: wrong types, missing fields, junk
path ids. They go in-process to the WSGI app against the test database, as a rep and as
an admin, half of them aimed at real rows so updates and actions get past the 404.

Checked over the whole API: no 5xx, and a 400 is a JSON object naming what is wrong.
The response schema of the endpoints it once got wrong is checked below. For a wider
look, run the CLI against a dev server:
`schemathesis run http://127.0.0.1:8000/api/schema/ -H "Authorization: Token …"
-c not_a_server_error,response_schema_conformance --phases examples,coverage,fuzzing`.
Generation is derandomized and keeps no example database: a run is the same every time.
"""

# ruff: noqa: E402 (the imports below need schemathesis, which may not be installed yet)
import os
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest

schemathesis = pytest.importorskip("schemathesis", minversion="4.32")

import hypothesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from crm.models import Role
from crm.tests.factories import UserFactory

from .api_fuzz_world import build_world

# Generated cases per operation and role, besides the junk path values: 6 in `make test`
# (a budget: 10 cost the suite half a minute more); GOALPOST_FUZZ_EXAMPLES=50 for a wider run.
MAX_EXAMPLES = int(os.environ.get("GOALPOST_FUZZ_EXAMPLES", "6"))

APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", APP)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
# Path parameters that are not ids of a world row.
FIXED_PATH_VALUES = {"key": "win_rate", "resource": "contacts"}
JUNK_PATH_VALUES = ["null,null", "0", "9223372036854775808", "1.5", "a b"]


def a_400_names_what_is_wrong(ctx, response, case):
    """Bad input is a 400 whose JSON object names the fields (or `non_field_errors`, or
    `detail` for a body that is not JSON at all), never an empty or bare answer."""
    if response.status_code != 400 or "json" not in response.headers.get("content-type", [""])[0]:
        return None
    errors = response.json()
    assert isinstance(errors, dict) and errors, f"400 without field errors: {errors!r}"
    return True


@pytest.fixture
def same_connection_for_requests():
    """The WSGI handler closes "old" connections around each request; inside the test's
    transaction that would poison it. Django's own test client disconnects the same hooks."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """One set of rows and a token per role for the whole module, rolled back at its end.

    Built once: each test's own transaction, and each example's savepoint, nest inside.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        users = {
            "rep": UserFactory(role=Role.REP, username="fuzzrep"),
            "admin": UserFactory(role=Role.ADMIN, username="fuzzadmin"),
        }
        ids = build_world(rep=users["rep"], admin=users["admin"])
        tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
        yield SimpleNamespace(ids=ids, tokens=tokens)
        transaction.set_rollback(True)


def _row_path_parameters(operation, world_ids) -> dict | None:
    """Path values naming the world's row of this operation's collection, if any."""
    names = [param.name for param in operation.path_parameters]
    if not names:
        return None
    collection = operation.path.removeprefix("/api/").split("/{")[0]
    values = {}
    for name in names:
        if name in FIXED_PATH_VALUES:
            values[name] = FIXED_PATH_VALUES[name]
        elif collection in world_ids:
            values[name] = world_ids[collection]
        else:
            return None
    return values


def _junk_path_parameters(operation):
    """Malformed path values, which random generation rarely hits: `null,null` once
    reached `int()` in a view."""
    names = [param.name for param in operation.path_parameters]
    if names:
        for junk in JUNK_PATH_VALUES:
            yield dict.fromkeys(names, junk)


def _strategy(operation, world_ids):
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    row = _row_path_parameters(operation, world_ids)
    if row is not None:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=row) for mode in modes
        ]
    return st.one_of(strategies)


@pytest.mark.fuzz
@pytest.mark.parametrize("label", list(OPERATIONS))
@pytest.mark.parametrize("role", ["rep", "admin"])
def test_no_request_is_a_server_error(label, role, fuzz_world, db, same_connection_for_requests):
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Token {fuzz_world.tokens[role]}"}

    def check(case):
        # Every request starts from the same rows: what one deletes, the next still has.
        savepoint = transaction.savepoint()
        try:
            response = case.call(app=APP, headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, a_400_names_what_is_wrong], headers=headers
            )
        finally:
            transaction.savepoint_rollback(savepoint)

    for path_parameters in _junk_path_parameters(operation):
        check(operation.Case(path_parameters=path_parameters))

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=_strategy(operation, fuzz_world.ids))
    def fuzz(case):
        check(case)

    fuzz()


# --- Regressions the fuzzer found (always run, not only with the fuzz marker) -----------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/enrollments/null,null/exit/"),
        ("GET", "/api/campaign-plans/null,null/"),
        ("PATCH", "/api/campaign-plans/null,null/"),
        ("GET", "/api/campaign-plans/null,null/report/"),
    ],
)
def test_a_malformed_id_in_the_path_is_a_404(method, path, admin_user, api_as):
    response = api_as(admin_user).generic(method, path, "{}", content_type="application/json")

    assert response.status_code == 404


# (method, path template, world row for its path parameter, JSON body)
DOCUMENTED_RESPONSES = [
    ("GET", "/api/goals/", None, None),
    ("GET", "/api/goals/{id}/", "goals", None),
    ("PATCH", "/api/goals/{id}/", "goals", {"plan": "Call every renewal twice."}),
    ("GET", "/api/goals/{id}/history/", "goals", None),
    ("GET", "/api/quotas/", None, None),
    ("GET", "/api/quotas/{id}/", "quotas", None),
    ("GET", "/api/segments/fields/", None, None),
    ("GET", "/api/segments/{id}/count/", "segments", None),
    ("POST", "/api/segments/preview/", None, {"match": "all", "conditions": []}),
    ("POST", "/api/campaigns/", None, {"name": "Spring launch"}),
    ("PATCH", "/api/campaigns/{id}/", "campaigns", {"description": "Spring"}),
    ("GET", "/api/campaign-plans/{campaign}/report/", "campaign-plans", None),
    ("POST", "/api/automation/rules/{id}/dry-run/", "automation/rules", None),
    ("GET", "/api/enrollments/{id}/", "enrollments", None),
    ("GET", "/api/kpis/{key}/records/?start=2025-06-01&end=2025-07-01", None, None),
]


@pytest.mark.parametrize(("method", "path", "row", "body"), DOCUMENTED_RESPONSES)
def test_responses_match_the_documented_schema(
    method, path, row, body, fuzz_world, db, same_connection_for_requests
):
    path, _sep, query = path.partition("?")
    operation = SCHEMA[path][method]
    case = operation.Case(
        path_parameters={
            param.name: FIXED_PATH_VALUES.get(param.name, fuzz_world.ids.get(row))
            for param in operation.path_parameters
        },
        **({"query": dict(parse_qsl(query))} if query else {}),
        **({} if body is None else {"body": body, "media_type": "application/json"}),
    )
    headers = {"Authorization": f"Token {fuzz_world.tokens['admin']}"}

    response = case.call(app=APP, headers=headers)

    assert 200 <= response.status_code < 300, response.text
    case.validate_response(response, checks=[response_schema_conformance], headers=headers)


# --- Issue 19 item 4: the inputs that once answered 500 or were taken loosely ------------
# Sent through the schema's own operations, so the same checks as the fuzzer apply: no
# 5xx, a JSON 400 naming the field. (method, path, world row, body builder, field named)
LIMIT_CASES = [
    (
        "POST",
        "/api/deals/",
        None,
        lambda ids: {"title": "x", "stage": ids["stages"], "expected_close_date": "9999-12-31"},
        "expected_close_date",
    ),
    (
        "POST",
        "/api/contacts/",
        None,
        lambda ids: {"first_name": "Ada", "birth_date": "0001-01-01"},
        "birth_date",
    ),
    ("POST", "/api/contacts/", None, lambda ids: {"first_name": "Ada", "tags": ["x" * 61]}, "tags"),
    (
        "POST",
        "/api/contacts/",
        None,
        lambda ids: {"first_name": "Ada", "tags": [f"t{n}" for n in range(3000)]},
        "tags",
    ),
    (
        "POST",
        "/api/activities/",
        None,
        lambda ids: {"kind": "call", "subject": "s", "due_at": "9999-12-31T00:00:00Z"},
        "due_at",
    ),
    (
        "POST",
        "/api/purchases/",
        None,
        lambda ids: {
            "contact": ids["contacts"],
            "amount": "1",
            "purchased_at": "0001-01-01T00:00:00Z",
        },
        "purchased_at",
    ),
    (
        "POST",
        "/api/tickets/",
        None,
        lambda ids: {"subject": "x", "priority": "high", "opened_at": "9999-12-31T23:00:00Z"},
        "opened_at",
    ),
    ("POST", "/api/leads/", None, lambda ids: {"contact": ids["contacts"] + 0.5}, "contact"),
    ("POST", "/api/leads/", None, lambda ids: {"contact": ids["contacts"], "score": -5}, "score"),
    ("POST", "/api/tickets/{id}/reply/", "tickets", lambda ids: {"body": "x" * 1_000_000}, "body"),
    ("POST", "/api/automation/rules/{id}/dry-run/?days=-5", "automation/rules", None, "days"),
]


@pytest.mark.parametrize(
    ("method", "path", "row", "body", "field"),
    LIMIT_CASES,
    ids=[f"{case[1]} {case[4]}" for case in LIMIT_CASES],
)
def test_the_limits_of_issue_19_are_400s_naming_the_field(
    method, path, row, body, field, fuzz_world, db, same_connection_for_requests
):
    path, _sep, query = path.partition("?")
    operation = SCHEMA[path][method]
    case = operation.Case(
        path_parameters={p.name: fuzz_world.ids[row] for p in operation.path_parameters},
        **({"query": dict(parse_qsl(query))} if query else {}),
        **(
            {} if body is None else {"body": body(fuzz_world.ids), "media_type": "application/json"}
        ),
    )
    headers = {"Authorization": f"Token {fuzz_world.tokens['admin']}"}

    response = case.call(app=APP, headers=headers)

    assert response.status_code == 400, response.text
    case.validate_response(
        response, checks=[not_a_server_error, a_400_names_what_is_wrong], headers=headers
    )
    assert field in response.json()
