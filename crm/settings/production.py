"""Production: everything secret or site-specific must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from crm.checks import secret_key_problem

from .base import *  # noqa: F403
from .base import env

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
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
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
