"""Idempotency-Key on API creates: a retry answers the first response, creates nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from crm.api.idempotency import idempotency_keys_expire
from crm.models import Deal, IdempotencyKey
from crm.tests.factories import ContactFactory
from crm.tests.test_api_world import world  # noqa: F401

pytestmark = pytest.mark.django_db


def _post_deal(client, world, key, title="Website relaunch"):  # noqa: F811
    return client.post(
        "/api/deals/",
        {"title": title, "value": "600", "pipeline": world.pipeline.pk},
        format="json",
        headers={"Idempotency-Key": key},
    )


def test_a_retried_post_with_the_same_key_creates_one_deal(rep, api_as, world):  # noqa: F811
    client = api_as(rep)

    first = _post_deal(client, world, "order-7f3a")
    retry = _post_deal(client, world, "order-7f3a")

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Deal.objects.filter(title="Website relaunch").count() == 1
    assert list(IdempotencyKey.objects.values_list("key", "path", "response_status")) == [
        ("order-7f3a", "/api/deals/", 201)
    ]


def test_the_same_key_with_another_body_is_a_422(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    _post_deal(client, world, "k1")

    reused = _post_deal(client, world, "k1", title="Something else")

    assert reused.status_code == 422
    assert reused.json()["Idempotency-Key"] == [
        "This Idempotency-Key was already used with a different request body. "
        "Send a new key for a new record."
    ]
    assert Deal.objects.filter(title="Something else").count() == 0


def test_keys_are_per_user_and_per_path(rep, other_rep, api_as, world):  # noqa: F811
    _post_deal(api_as(rep), world, "shared")
    _post_deal(api_as(other_rep), world, "shared")
    contact = api_as(rep).post(
        "/api/contacts/",
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
        format="json",
        headers={"Idempotency-Key": "shared"},
    )

    assert Deal.objects.filter(title="Website relaunch").count() == 2
    assert contact.status_code == 201


def test_without_the_header_every_post_creates(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    for _ in range(2):
        client.post(
            "/api/deals/",
            {"title": "Twice", "value": "1", "pipeline": world.pipeline.pk},
            format="json",
        )

    assert Deal.objects.filter(title="Twice").count() == 2
    assert IdempotencyKey.objects.count() == 0


def test_a_refused_create_is_not_stored_and_may_be_retried_fixed(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    bad = client.post(
        "/api/deals/",
        {"title": "Fixed", "value": "-5", "pipeline": world.pipeline.pk},
        format="json",
        headers={"Idempotency-Key": "fix-me"},
    )
    fixed = client.post(
        "/api/deals/",
        {"title": "Fixed", "value": "5", "pipeline": world.pipeline.pk},
        format="json",
        headers={"Idempotency-Key": "fix-me"},
    )

    assert bad.status_code == 400
    assert fixed.status_code == 201
    assert Deal.objects.filter(title="Fixed").count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_malformed_key_is_a_400_naming_the_header(rep, api_as, world, key):  # noqa: F811
    response = _post_deal(api_as(rep), world, key)

    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": ["Send 1 to 255 printable characters."]}
    assert Deal.objects.count() == 0


def test_a_key_expires_after_24_hours(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    _post_deal(client, world, "daily")
    later = timezone.now() + timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        again = _post_deal(client, world, "daily")
        assert idempotency_keys_expire() == 0  # the old row was replaced by the new one

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert Deal.objects.filter(title="Website relaunch").count() == 2
    with time_machine.travel(later + timedelta(hours=25), tick=False):
        assert idempotency_keys_expire() == 1


def test_the_key_is_documented_on_creates_in_openapi(admin_user, api_as):
    response = api_as(admin_user).get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]

    def headers(operation):
        return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}

    documented = {
        path for path, ops in paths.items() if "Idempotency-Key" in headers(ops.get("post", {}))
    }
    assert {"/api/deals/", "/api/contacts/", "/api/goals/", "/api/imports/"} <= documented
    assert "Idempotency-Key" not in headers(paths["/api/deals/"]["get"])


def test_contact_replay_returns_the_same_id(rep, api_as):
    ContactFactory(owner=rep)
    client = api_as(rep)
    body = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}
    first = client.post("/api/contacts/", body, format="json", headers={"Idempotency-Key": "g"})
    again = client.post("/api/contacts/", body, format="json", headers={"Idempotency-Key": "g"})

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
