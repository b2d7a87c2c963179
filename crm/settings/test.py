"""Tests run against real PostgreSQL and Redis on their standard local ports."""

from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/goalpost")
}
# The read replica's alias as a test mirror of default (no database of its own, another
# connection to the same one), so tests can see which connection a query took. Nothing
# routes to it unless a test installs crm.db_router.ReplicaRouter (crm/tests/test_db_router.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
# Under pytest-xdist each worker ("gw0", "gw1", …) gets its own Redis db, as it gets its
# own test database, so one worker's Celery worker never takes another's tasks: the db of
# REDIS_URL (default 15) for gw0, the one below it for gw1, and so on.
_XDIST_INDEX = int(env("PYTEST_XDIST_WORKER", default="gw0")[2:])
_redis = urlsplit(env("REDIS_URL", default="redis://127.0.0.1:6379/15"))
_redis_db = (int(_redis.path.strip("/") or 0) - _XDIST_INDEX) % 16
REDIS_URL = urlunsplit(_redis._replace(path=f"/{_redis_db}"))
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Fixed, whatever the shell says: tests read email links against this address.
GOALPOST_PUBLIC_URL = "http://127.0.0.1:8000"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000/min"}}  # noqa: F405
# A per-process cache: clearing it in a test must never flush the Redis broker's db.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files come from the source folders (finders), never from a STATIC_ROOT that an
# earlier `make run` in this checkout filled with copies of older files.
STATIC_ROOT = None  # type: ignore[assignment]  # base.py's is a Path; here none at all
WHITENOISE_USE_FINDERS = True
