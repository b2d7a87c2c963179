"""Production: everything secret or site-specific must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from crm.checks import IN_PROCESS_EMAIL, secret_key_problem

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, DATABASE_REPLICA_URL, REDIS_URL, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Refused at start, not only by `check --deploy`: web, worker and beat never run with a
# key the world knows (the one in .env.example, Django's django-insecure- keys).
if problem := secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(f"SECRET_KEY must not be used in production: {problem}.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "Set DATABASE_URL: production does not start an embedded database of its own."
    )

# The fallbacks that make `make run` work on one machine are refused here, at start, not
# only by `check --deploy`: web, worker and beat are separate processes (and containers),
# so a per-process cache would count sign-in failures and throttles per process, the
# filesystem broker would leave tasks on the web container's disk where no worker reads
# them, and console email would drop password resets and invitations into a log.
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "Set REDIS_URL (e.g. redis://redis:6379/0): production needs Redis for the cache that "
        "every process shares (sign-in limits, throttles) and for the Celery broker."
    )
if not REDIS_URL.startswith(REDIS_SCHEMES):
    raise ImproperlyConfigured(
        f"REDIS_URL must be a Redis URL ({', '.join(REDIS_SCHEMES)}), not {REDIS_URL.split(':')[0]}."
    )
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}
# CELERY_BROKER_URL may name another broker (RabbitMQ, another Redis), never one that only
# this process or this machine's disk can see.
SINGLE_MACHINE_BROKERS = ("filesystem://", "memory://")
if CELERY_BROKER_URL.startswith(SINGLE_MACHINE_BROKERS):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL is {CELERY_BROKER_URL.split(':')[0]}://, a broker of one machine: "
        "unset it to use REDIS_URL, or point it at a real broker (redis://, amqp://)."
    )
if not env("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        "Set EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587): production "
        "sends password resets, invitations and campaigns, and has no console fallback."
    )
EMAIL_CONFIG = env.email("EMAIL_URL")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG["EMAIL_BACKEND"] in IN_PROCESS_EMAIL:
    raise ImproperlyConfigured(
        f"EMAIL_URL must deliver mail (smtp://, smtp+tls://, smtps://), not "
        f"{env('EMAIL_URL').split(':')[0]}://: mail would never leave the process."
    )


def _connections(database: dict) -> dict:
    """The database settings with psycopg's connection pool (Django 5.1+), or without it.

    Pooled (DATABASE_POOL, the default): each process keeps between DATABASE_POOL_MIN_SIZE
    and DATABASE_POOL_MAX_SIZE connections, and a request or task borrows one for its
    duration, waiting up to DATABASE_POOL_TIMEOUT seconds when all are lent. Django
    requires CONN_MAX_AGE 0 with a pool (the pool decides how long a connection lives).
    The sizes are per process: gunicorn's WEB_CONCURRENCY workers (3 in the image) each
    serve one request at a time, or --threads at a time, and 4 covers up to 4 threads; a
    Celery prefork child closes its pool after every task (celery.fixups.django), so a
    minimum of 1 opens no more connections per task than no pool. Behind PgBouncer in
    transaction mode, set DATABASE_POOL=False: CONN_MAX_AGE applies as before.
    """
    if not env.bool("DATABASE_POOL", default=True):
        return {**database, "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60)}
    pool = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
    options = {**database.get("OPTIONS", {}), "pool": pool}
    return {**database, "CONN_MAX_AGE": 0, "OPTIONS": options}


DATABASES = {"default": _connections(env.db("DATABASE_URL"))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _connections(env.db("DATABASE_REPLICA_URL"))
# Links in emails must reach the site from a recipient's mailbox: no localhost default.
if not env("GOALPOST_PUBLIC_URL", default=""):
    raise ImproperlyConfigured(
        "Set GOALPOST_PUBLIC_URL to the address users reach the site on "
        "(e.g. https://crm.example.com): links in emails are built from it."
    )
GOALPOST_PUBLIC_URL = env("GOALPOST_PUBLIC_URL")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
