"""Optional TOTP two-factor sign-in (django-otp) and the Content-Security-Policy header."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from crm.models import AuditEvent, AuditKind, Role
from crm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_otp_backoff(settings):
    """django-otp makes each failure double the wait before the next try (1 s, 2 s, …);
    these tests retry at once, the backoff has its own test."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _code(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=drift):06d}"


def _enrolled(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.REP, 403), (Role.SUPPORT, 403)],
)
def test_two_factor_settings_are_for_admins_and_managers(role, status):
    client = Client()
    client.force_login(UserFactory(role=role))

    assert client.get(reverse("web:two_factor")).status_code == status


def test_enrolment_needs_a_current_code(manager):
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("web:two_factor"))
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert "<svg" in page.text

    wrong = client.post(reverse("web:two_factor"), {"code": "123"})
    right = client.post(reverse("web:two_factor"), {"code": _code(device)})

    assert wrong.status_code == 422
    assert "This code is not valid" in wrong.text
    assert right.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert AuditEvent.objects.filter(kind=AuditKind.TWO_FACTOR_ENROLLED, actor=manager).count() == 1


def test_an_enrolled_user_is_signed_in_only_after_the_code(manager):
    device = _enrolled(manager)
    client = Client()

    password_step = client.post(
        reverse("login"), {"username": "manager", "password": "goalpost-test", "next": "/deals/"}
    )
    assert password_step.url == reverse("login_code")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still anonymous

    wrong = client.post(reverse("login_code"), {"code": "000000"})
    assert wrong.status_code == 422
    assert "_auth_user_id" not in client.session

    right = client.post(reverse("login_code"), {"code": _code(device)})
    assert right.status_code == 302
    assert right.url == "/deals/"
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_an_enrolled_users_api_token_needs_the_code_too(manager):
    device = _enrolled(manager)
    api = APIClient()
    credentials = {"username": "manager", "password": "goalpost-test"}

    without = api.post("/api/auth/token/", credentials, format="json")
    wrong = api.post("/api/auth/token/", {**credentials, "code": "000000"}, format="json")
    right = api.post("/api/auth/token/", {**credentials, "code": _code(device)}, format="json")

    assert without.status_code == 400 and without.json() == {"code": ["This field is required."]}
    assert wrong.status_code == 400
    assert wrong.json() == {"code": ["This code is not valid. Enter the current code."]}
    assert right.status_code == 200 and right.json()["token"]
    assert AuditEvent.objects.filter(kind=AuditKind.SIGNIN_FAILED, username="manager").exists()


def test_the_code_step_without_a_password_step_goes_back_to_log_in():
    response = Client().post(reverse("login_code"), {"code": "123456"})

    assert response.status_code == 302
    assert response.url == reverse("login")


def test_a_user_without_a_device_signs_in_with_the_password_alone(manager):
    client = Client()
    response = client.post(reverse("login"), {"username": "manager", "password": "goalpost-test"})

    assert response.status_code == 302
    assert response.url == "/"
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_removing_two_factor_needs_a_code(manager):
    device = _enrolled(manager)
    client = Client()
    client.force_login(manager)

    refused = client.post(reverse("web:two_factor"), {"action": "remove", "code": "000000"})
    removed = client.post(reverse("web:two_factor"), {"action": "remove", "code": _code(device)})

    assert refused.status_code == 422
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()


def test_every_page_carries_a_csp_without_inline_scripts(rep):
    client = Client()
    client.force_login(rep)

    policy = client.get("/").headers["Content-Security-Policy"]

    directives = {
        name: value
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
        if name
    }
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_django_otp_backs_off_after_a_wrong_code(manager, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = _enrolled(manager)
    client = Client()
    client.post(reverse("login"), {"username": "manager", "password": "goalpost-test"})

    client.post(reverse("login_code"), {"code": "000000"})
    too_soon = client.post(reverse("login_code"), {"code": _code(device)})

    assert too_soon.status_code == 422
    assert "_auth_user_id" not in client.session
