"""Nothing a client sends yields a 500: junk bodies, junk fields, junk query strings."""

import json

import pytest

from crm.tests.test_api_world import ENDPOINTS, create_payload, world  # noqa: F401

pytestmark = pytest.mark.slow

JUNK_VALUES = [
    "garbage",
    "",
    -1,
    -5.5,
    0,
    10**30,
    1e308,
    True,
    None,
    [],
    [1, "a"],
    {},
    {"id": 1},
    "\x00",
    "x" * 5000,
    "2024-13-45",
    "2024-02-30T25:61:00+99:00",
    "9999-12-31T23:59:59-12:00",
    "NaN",
    "Infinity",
]
JUNK_BODIES = [
    (b'{"title": ', "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"just a string"', "application/json"),
    (b"null", "application/json"),
    (b"12", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b"title=x&value=-5", "application/x-www-form-urlencoded"),
    (b"<xml/>", "application/xml"),
    (b"", "application/json"),
]


@pytest.fixture
def admin_client(admin_user, api_as):
    return api_as(admin_user)


@pytest.mark.parametrize("resource", list(ENDPOINTS))
@pytest.mark.parametrize(("body", "content_type"), JUNK_BODIES)
def test_junk_bodies_are_client_errors(resource, body, content_type, admin_client, world):  # noqa: F811
    response = admin_client.generic("POST", ENDPOINTS[resource], body, content_type=content_type)

    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("resource", list(ENDPOINTS))
def test_junk_in_any_field_is_never_a_server_error(resource, admin_client, world):  # noqa: F811
    valid = create_payload(resource, world)
    fields = [*valid, "owner", "created_at", "id"]
    for n, field in enumerate(fields):
        for m, junk in enumerate(JUNK_VALUES):
            body = {**create_payload(resource, world, n=n * 100 + m), field: junk}
            response = admin_client.post(
                ENDPOINTS[resource], json.dumps(body), content_type="application/json"
            )
            assert response.status_code in (201, 400), (field, junk, response.status_code)


@pytest.mark.parametrize("resource", list(ENDPOINTS))
def test_junk_patches_are_never_server_errors(resource, admin_client, world):  # noqa: F811
    created = admin_client.post(ENDPOINTS[resource], create_payload(resource, world), format="json")
    url = f"{ENDPOINTS[resource]}{created.data['id']}/"
    for field in [*create_payload(resource, world), "status", "stage", "done_at"]:
        for junk in JUNK_VALUES:
            response = admin_client.patch(
                url, json.dumps({field: junk}), content_type="application/json"
            )
            assert response.status_code in (200, 400), (field, junk, response.status_code)
    for body, content_type in JUNK_BODIES:
        response = admin_client.generic("PATCH", url, body, content_type=content_type)
        assert response.status_code < 500


JUNK_QUERIES = [
    "page=abc",
    "page=0",
    "page=-1",
    "page=99999999999999999999",
    "page_size=100000",
    "page_size=-3",
    "page_size=abc",
    "ordering=nonexistent",
    "ordering=-password",
    "search=%00",
    "search=" + "x" * 3000,
    "owner=abc",
    "owner=-1",
    "owner=99999999999999999999999",
    "owner=1.5",
    "status=bogus",
    "stage=abc&pipeline=%00",
    "done=maybe",
    "tag=%00",
    "created_after=yesterday",
    "created_after=2024-13-01",
    "contact=999999",
    "lifecycle=",
]


@pytest.mark.parametrize("resource", list(ENDPOINTS))
def test_junk_query_strings_are_never_server_errors(resource, admin_client, world):  # noqa: F811
    for query in JUNK_QUERIES:
        response = admin_client.get(f"{ENDPOINTS[resource]}?{query}")
        assert response.status_code in (200, 400, 404), (query, response.status_code)


@pytest.mark.parametrize("resource", list(ENDPOINTS))
def test_junk_ids_in_the_url_are_not_found(resource, admin_client):
    for junk in ["abc", "0", "-1", "99999999999999999999999", "1.5", "%00"]:
        assert admin_client.get(f"{ENDPOINTS[resource]}{junk}/").status_code == 404


def test_a_huge_page_size_is_clamped_to_200(admin_client, world):  # noqa: F811
    from crm.tests.factories import ContactFactory

    ContactFactory.create_batch(201)

    response = admin_client.get("/api/contacts/?page_size=100000")

    assert response.status_code == 200
    assert len(response.data["results"]) == 200
    assert response.data["count"] == 203


DEEP_BODY = '{"title": ' + "[" * 50_000 + "]" * 50_000 + "}"
NESTED_33 = json.dumps({"title": json.loads("[" * 33 + "]" * 33)})


@pytest.mark.parametrize(
    "url",
    [
        *ENDPOINTS.values(),
        "/api/automation/rules/",
        "/api/segments/",
        "/api/goals/",
    ],
)
@pytest.mark.parametrize("body", [DEEP_BODY, NESTED_33], ids=["50000-deep", "33-deep"])
def test_json_nested_too_deep_is_a_400_naming_the_limit(url, body, admin_client):
    response = admin_client.generic("POST", url, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "JSON nested deeper than 32 levels."


def test_json_depth_counts_containers():
    from crm.api.parsers import json_depth

    assert [json_depth(v) for v in (1, [], {"a": [1, {"b": []}]}, [[[]]])] == [0, 1, 4, 3]
