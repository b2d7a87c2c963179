import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import User
from crm.tests.factories import UserFactory


def test_admin_creates_a_user_with_a_password_that_can_get_a_token(admin_user, api_as):
    response = api_as(admin_user).post(
        "/api/users/",
        {
            "username": "dana",
            "email": "dana@example.com",
            "role": "support",
            "password": "Corr3ct-horse-battery",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert "password" not in response.data
    assert response.data["role"] == "support"
    token = APIClient().post(
        "/api/auth/token/", {"username": "dana", "password": "Corr3ct-horse-battery"}, format="json"
    )
    assert token.status_code == 200
    assert token.data == {"token": Token.objects.get(user__username="dana").key}


def test_weak_or_missing_passwords_are_refused(admin_user, api_as):
    client = api_as(admin_user)

    missing = client.post("/api/users/", {"username": "x1", "role": "rep"}, format="json")
    weak = client.post("/api/users/", {"username": "x2", "password": "123"}, format="json")
    bad_role = client.post(
        "/api/users/",
        {"username": "x3", "password": "Corr3ct-horse", "role": "boss"},
        format="json",
    )

    assert missing.status_code == 400 and list(missing.data) == ["password"]
    assert weak.status_code == 400 and list(weak.data) == ["password"]
    assert bad_role.status_code == 400 and list(bad_role.data) == ["role"]
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()


def test_update_role_and_password(admin_user, api_as):
    user = UserFactory(username="eve")

    response = api_as(admin_user).patch(
        f"/api/users/{user.pk}/",
        {"role": "manager", "password": "N3w-long-passphrase"},
        format="json",
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.role == "manager"
    assert user.check_password("N3w-long-passphrase")


def test_user_filters(admin_user, api_as):
    UserFactory(username="m1", role="marketing")

    response = api_as(admin_user).get("/api/users/?role=marketing")

    assert [row["username"] for row in response.data["results"]] == ["m1"]


def test_token_with_wrong_credentials_is_a_400(rep):
    client = APIClient()

    wrong = client.post("/api/auth/token/", {"username": "rep1", "password": "nope"}, format="json")
    missing = client.post("/api/auth/token/", {}, format="json")
    junk = client.generic("POST", "/api/auth/token/", b"{oops", content_type="application/json")

    assert wrong.status_code == 400 and "non_field_errors" in wrong.data
    assert missing.status_code == 400 and set(missing.data) == {"username", "password"}
    assert junk.status_code == 400


def test_token_auth_works_on_the_api(rep):
    token = APIClient().post(
        "/api/auth/token/", {"username": "rep1", "password": "goalpost-test"}, format="json"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.data['token']}")

    response = client.get("/api/deals/")

    assert response.status_code == 200
    assert response.data == {
        "count": 0,
        "count_is_exact": True,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_login_is_throttled(rep, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    # The rate is read once at import; patch it for this test only.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    cache.clear()

    codes = [
        APIClient()
        .post("/api/auth/token/", {"username": "rep1", "password": "x"}, format="json")
        .status_code
        for _ in range(3)
    ]
    cache.clear()

    assert codes == [400, 400, 429]


def test_schema_lists_every_core_path_without_errors(rep, api_as):
    response = api_as(rep).get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/auth/token/",
        "/api/users/",
        "/api/companies/",
        "/api/contacts/",
        "/api/interactions/",
        "/api/leads/",
        "/api/leads/{id}/convert/",
        "/api/pipelines/",
        "/api/stages/",
        "/api/deals/",
        "/api/deals/{id}/stage-history/",
        "/api/activities/",
        "/api/notes/",
        "/api/notes/{id}/",
        "/api/purchases/",
        "/api/subscriptions/",
        "/api/tickets/",
        "/api/tickets/{id}/reply/",
        "/api/nps-responses/",
        "/api/referrals/",
        "/api/spend/",
        "/api/teams/",
    ]:
        assert path in paths, path
    deal_params = {p["name"] for p in paths["/api/deals/"]["get"]["parameters"]}
    assert {"page", "page_size", "stage", "owner", "status", "pipeline", "search"} <= deal_params


def test_swagger_ui_is_served(rep, client):
    client.force_login(rep)

    assert client.get("/api/docs/").status_code == 200


def test_healthz_reports_database_and_broker(db, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["database_engine"] == "postgresql"
    assert response.json()["broker"] == "ok"
    assert response.json()["status"] == "ok"


def test_healthz_is_503_when_the_broker_is_down(db, client, monkeypatch):
    from crm.api.views import health

    monkeypatch.setattr(health, "_broker_ok", lambda: False)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


def test_create_user_command_with_a_password(db, capsys):
    call_command(
        "create_user", "--role", "rep", "--username", "olga", "--email", "o@example.com",
        "--password", "Corr3ct-horse-battery",
    )  # fmt: skip

    user = User.objects.get(username="olga")
    assert (user.role, user.email) == ("rep", "o@example.com")
    assert user.check_password("Corr3ct-horse-battery")
    assert "Created rep 'olga'" in capsys.readouterr().out


def test_create_user_command_reads_the_environment(db, monkeypatch):
    monkeypatch.setenv("GOALPOST_PASSWORD", "Env-passphrase-42")

    call_command("create_user", "--role", "admin", "--username", "root2", "--team", "Ops")

    user = User.objects.get(username="root2")
    assert (user.role, user.is_staff, user.team.name) == ("admin", True, "Ops")
    assert user.check_password("Env-passphrase-42")


def test_create_user_command_refuses_weak_duplicate_or_missing_passwords(db, monkeypatch):
    monkeypatch.delenv("GOALPOST_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    UserFactory(username="taken")

    with pytest.raises(CommandError, match="password"):
        call_command("create_user", "--username", "weak", "--password", "123")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "--username", "taken", "--password", "Corr3ct-horse-battery")
    with pytest.raises(CommandError, match="GOALPOST_PASSWORD"):
        call_command("create_user", "--username", "nopass")
    assert not User.objects.filter(username__in=["weak", "nopass"]).exists()
