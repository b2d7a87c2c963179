import pytest
from django.core.cache import cache
from django.urls import reverse


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


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
