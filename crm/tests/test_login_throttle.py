"""Sign-in limits through the browser form and the API token endpoint."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.api.throttling import ClientAddressScopedRateThrottle
from crm.models import AuditEvent, AuditKind
from crm.security.signin import KNOWN_DEVICE_COOKIE
from crm.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def clear_cache(settings):
    settings.TRUSTED_PROXIES = []
    settings.NUM_PROXIES = 0
    cache.clear()
    yield
    cache.clear()


def _browser(address="198.51.100.1"):
    return Client(REMOTE_ADDR=address)


def _login(client, username, password, **headers):
    return client.post(
        reverse("login"), {"username": username, "password": password}, headers=headers
    )


@pytest.mark.django_db
def test_five_failures_lock_the_username_even_for_the_right_password(client, rep, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    for _ in range(5):
        response = _login(client, "rep1", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text

    response = _login(client, "rep1", "goalpost-test")

    assert response.status_code == 200
    assert "Too many failed sign-in attempts. Wait 15 minutes" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_success_resets_the_failure_count(client, rep, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        _login(client, "rep1", "wrong")
    assert _login(client, "rep1", "goalpost-test").status_code == 302
    client.logout()

    for _ in range(2):
        _login(client, "rep1", "wrong")
    assert _login(client, "rep1", "goalpost-test").status_code == 302


@pytest.mark.django_db
def test_another_username_is_not_locked(client, rep, other_rep, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        _login(client, "rep1", "wrong")

    assert _login(client, "rep2", "goalpost-test").status_code == 302


@pytest.mark.django_db
def test_spoofed_forwarded_for_does_not_reset_the_browser_lock(rep, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    client = _browser()
    for attempt in range(5):
        _login(client, "rep1", "wrong", X_Forwarded_For=f"203.0.113.{attempt}")

    response = _login(client, "rep1", "goalpost-test", X_Forwarded_For="192.0.2.99")

    assert "Too many failed sign-in attempts. Wait 15 minutes" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_spoofed_forwarded_for_does_not_reset_the_api_token_throttle(rep, monkeypatch):
    monkeypatch.setattr(ClientAddressScopedRateThrottle, "THROTTLE_RATES", {"login": "10/min"})
    client = APIClient(REMOTE_ADDR="198.51.100.1")
    statuses = [
        client.post(
            "/api/auth/token/",
            {"username": f"nobody{n}", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code
        for n in range(30)
    ]

    assert statuses == [400] * 10 + [429] * 20
    right = client.post(
        "/api/auth/token/",
        {"username": "rep1", "password": "goalpost-test"},
        headers={"X-Forwarded-For": "192.0.2.200"},
    )
    assert right.status_code == 429


@pytest.mark.django_db
def test_api_token_shares_the_sign_in_lock_per_address_and_username(rep, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = APIClient(REMOTE_ADDR="198.51.100.1")
    for _ in range(3):
        response = client.post("/api/auth/token/", {"username": "rep1", "password": "wrong"})
        assert response.status_code == 400

    locked = client.post("/api/auth/token/", {"username": "rep1", "password": "goalpost-test"})
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.2").post(
        "/api/auth/token/", {"username": "rep1", "password": "goalpost-test"}
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 200
    assert set(elsewhere.json()) == {"token"}


@pytest.mark.django_db
def test_spraying_20_usernames_from_one_address_is_refused_after_the_address_limit(settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    for n in range(20):
        UserFactory(username=f"sprayed{n}")
    client = _browser("198.51.100.7")

    answers = [_login(client, f"sprayed{n}", "Winter2026!").text for n in range(20)]

    refused = ["Too many failed sign-in attempts" in text for text in answers]
    assert refused == [False] * 10 + [True] * 10
    # The right password of another account is refused from that address too…
    assert "_auth_user_id" not in _login(client, "sprayed19", "goalpost-test").wsgi_request.session
    # …but not from anywhere else.
    other = _browser("198.51.100.8")
    assert _login(other, "sprayed19", "goalpost-test").status_code == 302


@pytest.mark.django_db
def test_one_address_cannot_lock_another_users_account(rep, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    attacker = _browser("198.51.100.66")
    for _ in range(50):
        _login(attacker, "rep1", "wrong")
    assert "Too many failed" in _login(attacker, "rep1", "goalpost-test").text

    owner = _browser("192.0.2.10")
    response = _login(owner, "rep1", "goalpost-test")

    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(rep.pk)


@pytest.mark.django_db
def test_many_addresses_slow_the_username_but_the_owners_browser_gets_in(rep, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 20
    settings.LOGIN_USERNAME_SLOWDOWN_SECONDS = 60
    owner = _browser("192.0.2.10")
    assert _login(owner, "rep1", "goalpost-test").status_code == 302
    device_cookie = owner.cookies[KNOWN_DEVICE_COOKIE].value
    owner.logout()  # the test client drops every cookie here; a browser keeps this one
    owner.cookies[KNOWN_DEVICE_COOKIE] = device_cookie
    for n in range(20):  # a botnet: one failure from each of 20 addresses
        _login(_browser(f"203.0.113.{n}"), "rep1", "wrong")

    newcomer = _browser("203.0.113.200")
    first = _login(newcomer, "rep1", "wrong")
    second = _login(_browser("203.0.113.201"), "rep1", "goalpost-test")
    at_home = _login(owner, "rep1", "goalpost-test")

    assert "Please enter a correct username and password" in first.text
    assert "for this account. Wait 60 seconds" in second.text
    assert at_home.status_code == 302


@pytest.mark.django_db
def test_sign_in_success_and_failure_are_audited_with_the_address(rep):
    client = _browser("198.51.100.3")
    _login(client, "rep1", "wrong")
    _login(client, "rep1", "goalpost-test")

    events = list(AuditEvent.objects.order_by("id").values_list("kind", "username", "address"))
    assert events == [
        (AuditKind.SIGNIN_FAILED, "rep1", "198.51.100.3"),
        (AuditKind.SIGNIN_SUCCEEDED, "rep1", "198.51.100.3"),
    ]


@pytest.mark.django_db
def test_login_rotates_the_session_key(rep):
    client = _browser()
    client.get(reverse("login"))
    session = client.session
    session["probe"] = 1
    session.save()
    before = client.session.session_key

    _login(client, "rep1", "goalpost-test")

    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(rep.pk)


@pytest.mark.django_db
def test_password_change_signs_out_other_sessions_and_keeps_this_one(rep):
    here, elsewhere = _browser("192.0.2.1"), _browser("192.0.2.2")
    for browser in (here, elsewhere):
        assert _login(browser, "rep1", "goalpost-test").status_code == 302
    assert elsewhere.get("/").status_code == 200
    token = Token.objects.create(user=rep)

    response = here.post(
        reverse("password_change"),
        {
            "old_password": "goalpost-test",
            "new_password1": "A-much-longer-pass-2026",
            "new_password2": "A-much-longer-pass-2026",
        },
    )

    assert response.status_code == 302
    assert here.get("/").status_code == 200
    signed_out = elsewhere.get("/")
    assert signed_out.status_code == 302
    assert signed_out.url.startswith(reverse("login"))
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_CHANGED, actor=rep).count() == 1
    # The API token fetched with the old password is revoked as well.
    assert not Token.objects.filter(key=token.key).exists()


@pytest.mark.django_db
def test_password_reset_burst_sends_a_few_mails_and_answers_the_same(rep, settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 5
    settings.PASSWORD_RESET_EMAIL_LIMIT = 3
    client = _browser("198.51.100.4")

    responses = [
        client.post(reverse("password_reset"), {"email": "rep1@example.com"}) for _ in range(30)
    ]

    assert {(r.status_code, r.url) for r in responses} == {(302, reverse("password_reset_done"))}
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_password_reset_limits_per_address_across_targets(settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 5
    for n in range(10):
        UserFactory(username=f"target{n}")
    client = _browser("198.51.100.5")

    for n in range(10):
        response = client.post(reverse("password_reset"), {"email": f"target{n}@example.com"})
        assert response.status_code == 302

    assert len(mail.outbox) == 5
    other = _browser("198.51.100.6")
    other.post(reverse("password_reset"), {"email": "target9@example.com"})
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_a_password_set_from_a_reset_mail_revokes_the_api_token(rep, client):
    token = Token.objects.create(user=rep)
    uid = urlsafe_base64_encode(force_bytes(rep.pk))
    link = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(rep)])
    form_url = client.get(link).url  # Django swaps the token for a session marker

    response = client.post(
        form_url,
        {"new_password1": "A-much-longer-pass-2026", "new_password2": "A-much-longer-pass-2026"},
    )

    assert response.status_code == 302
    assert not Token.objects.filter(key=token.key).exists()
