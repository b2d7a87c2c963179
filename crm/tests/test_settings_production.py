"""Production settings refuse to start without their secrets, and pass check --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = {
    "DJANGO_SETTINGS_MODULE": "crm.settings.production",
    "SECRET_KEY": "k" * 20 + "-production-test-key-" + "x" * 30,
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/goalpost",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "GOALPOST_PUBLIC_URL": "https://crm.example.com",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}
PLACEHOLDER_SECRET = "change-me-to-a-long-random-string-of-at-least-fifty-characters-0123"


def _manage(*args, **env):
    # The test run's own variables (e.g. DJANGO_ALLOW_ASYNC_UNSAFE for Playwright) stay out.
    inherited = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    base = {k: v for k, v in os.environ.items() if k in inherited}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "GOALPOST_PUBLIC_URL"]
)
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in COMPLETE.items() if k != missing}

    result = _manage("check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **COMPLETE)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_email_links_use_the_public_url():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from automation.marketing.tokens import public_url; print(public_url('/m/nps/x/'))",
        **COMPLETE,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://crm.example.com/m/nps/x/"


def test_the_placeholder_in_env_example_is_the_one_refused():
    example = (ROOT / ".env.example").read_text()
    assert f"SECRET_KEY={PLACEHOLDER_SECRET}\n" in example


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (PLACEHOLDER_SECRET, "it is a published placeholder"),
        (f" {PLACEHOLDER_SECRET} ", "it is a published placeholder"),
        ("django-insecure-" + "a1b2c3d4e5" * 6, "it is a published placeholder"),
        ("short-but-random-Zq8", "it is shorter than 50 characters"),
        ("ab" * 30, "it has fewer than 5 different characters"),
    ],
)
def test_production_refuses_to_start_with_a_placeholder_or_weak_secret(secret, reason):
    # `check` without --deploy: the settings themselves refuse, so no process starts.
    result = _manage("check", **{**COMPLETE, "SECRET_KEY": secret})

    assert result.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY must not be used in production: " + reason in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("REDIS_URL", "ImproperlyConfigured: Set REDIS_URL (e.g. redis://redis:6379/0)"),
        ("EMAIL_URL", "ImproperlyConfigured: Set EMAIL_URL (e.g. smtp+tls://"),
    ],
)
def test_production_refuses_to_start_without_a_shared_cache_broker_or_email(missing, message):
    env = {k: v for k, v in COMPLETE.items() if k != missing}

    # `check` without --deploy: the settings themselves refuse, so no process starts.
    result = _manage("check", **env)

    assert result.returncode == 1
    assert message in result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"REDIS_URL": "memcached://127.0.0.1:11211"},
            "ImproperlyConfigured: REDIS_URL must be a Redis URL "
            "(redis://, rediss://, unix://), not memcached.",
        ),
        (
            {"CELERY_BROKER_URL": "filesystem://localhost//"},
            "ImproperlyConfigured: CELERY_BROKER_URL is filesystem://, a broker of one machine",
        ),
        (
            {"CELERY_BROKER_URL": "memory://"},
            "ImproperlyConfigured: CELERY_BROKER_URL is memory://, a broker of one machine",
        ),
        (
            {"EMAIL_URL": "consolemail://"},
            "ImproperlyConfigured: EMAIL_URL must deliver mail (smtp://, smtp+tls://, smtps://), "
            "not consolemail://",
        ),
        (
            {"EMAIL_URL": "memorymail://"},
            "ImproperlyConfigured: EMAIL_URL must deliver mail (smtp://, smtp+tls://, smtps://), "
            "not memorymail://",
        ),
    ],
)
def test_production_refuses_to_start_with_a_single_machine_fallback(change, message):
    result = _manage("check", **{**COMPLETE, **change})

    assert result.returncode == 1
    assert message in result.stderr


def test_production_shares_the_cache_and_the_broker_through_redis_and_sends_smtp():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'], "
        "s.CELERY_BROKER_URL, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)",
        **COMPLETE,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/15",
        "redis://127.0.0.1:6379/15",
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "587",
        "True",
    ]


def test_production_check_refuses_a_malformed_trusted_proxy():
    env = {**COMPLETE, "TRUSTED_PROXIES": "10.0.0.0/8,proxy.example.com"}

    result = _manage("check", "--deploy", **env)

    assert result.returncode == 1
    assert "(goalpost.E006)" in result.stderr


@pytest.mark.parametrize(
    ("change", "check_id"),
    [
        ({}, "goalpost.E002"),
        ({}, "goalpost.E003"),
        ({}, "goalpost.E004"),
        ({"EMAIL_URL": "consolemail://"}, "goalpost.E005"),
    ],
)
def test_deploy_check_still_catches_the_development_fallbacks(tmp_path, change, check_id):
    # The production settings refuse these at start (above); the deploy checks stay for
    # any other settings module someone deploys, here the development one `make run` uses.
    env = {
        "DJANGO_SETTINGS_MODULE": "crm.settings.local",
        "DATABASE_URL": COMPLETE["DATABASE_URL"],
        # Its filesystem broker makes its folders at import: in a scratch folder.
        "GOALPOST_VAR_DIR": str(tmp_path),
        **change,
    }

    result = _manage("check", "--deploy", **env)

    assert result.returncode == 1
    assert f"({check_id})" in result.stderr


def _databases(**env) -> dict:
    """settings.DATABASES and DATABASE_ROUTERS as production builds them from `env`."""
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "import json; from django.conf import settings; print(json.dumps("
        "{'databases': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS}, default=str))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_pools_connections_without_persistent_ones():
    found = _databases(**COMPLETE, DATABASE_POOL_MAX_SIZE="8")

    default = found["databases"]["default"]
    assert default["CONN_MAX_AGE"] == 0
    assert default["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 10.0}
    assert default["NAME"] == "goalpost"
    assert "replica" not in found["databases"]
    assert found["routers"] == []


def test_production_without_the_pool_keeps_persistent_connections():
    default = _databases(**COMPLETE, DATABASE_POOL="False", CONN_MAX_AGE="30")["databases"][
        "default"
    ]

    assert default["CONN_MAX_AGE"] == 30
    assert "pool" not in default["OPTIONS"]


def test_production_with_a_replica_url_adds_a_pooled_replica_and_its_router():
    found = _databases(
        **COMPLETE, DATABASE_REPLICA_URL="postgres://reader@replica.example.com:5432/goalpost"
    )

    replica = found["databases"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["CONN_MAX_AGE"]) == (
        "replica.example.com",
        "reader",
        0,
    )
    assert replica["OPTIONS"]["pool"]["max_size"] == 4
    assert found["routers"] == ["crm.db_router.ReplicaRouter"]


def test_production_queries_through_the_pool():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection\n"
        "with connection.cursor() as cursor: cursor.execute('SELECT 1')\n"
        "print(type(connection.pool).__name__, connection.pool.get_stats()['pool_min'])",
        # The server's own maintenance database: it always exists, and nothing is written.
        **{**COMPLETE, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "1"]
