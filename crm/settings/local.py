"""Development: `make run`. Debug on, a throwaway key; the embedded PostgreSQL unless
DATABASE_URL is set (see crm/devstack.py)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
