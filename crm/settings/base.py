"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from crm.devstack import embedded_database_settings, var_dir
from crm.limits import MAX_REQUEST_BODY_BYTES

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Only the process environment: docker-compose passes its env file in, and a compose
# `.env` in a checkout must not redirect `make run` or `make test` to the compose hosts.
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "crm",
    "metrics",
    "goals",
    "automation",
    "automation.marketing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "crm.security.client_address.ClientAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's own language overrides the browser's.
    "crm.middleware.UserLanguageMiddleware",
    # Before any view or CSRF check reads the body; after the user, for the error page.
    "crm.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Bodies read into memory; larger ones answer 413 (crm.middleware.RequestBodyLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

ROOT_URLCONF = "crm.urls"
# Widgets render through templates/django/forms/ (text inputs carry dir="auto").
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL everywhere, one SQL dialect. Without DATABASE_URL: the embedded server that
# `make run` starts (crm/devstack.py), reached through its socket under var/postgres/.
DATABASES = {
    "default": env.db("DATABASE_URL")
    if env("DATABASE_URL", default="")
    else embedded_database_settings()
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A streaming replica of that database for reports and KPI reads (crm/db_router.py):
# set, it is the "replica" alias and the router sends the reads of reading_from_replica()
# blocks there; unset, there is one database and nothing routes anywhere.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASE_ROUTERS = ["crm.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("tr", _("Turkish")),
    ("ko", _("Korean")),
    ("fa", _("Persian")),
    ("ro", _("Romanian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Language of the labels `manage.py seed_demo` writes (`make run DEMO_LANGUAGE=tr`).
GOALPOST_DEMO_LANGUAGE = env("GOALPOST_DEMO_LANGUAGE", default="") or LANGUAGE_CODE
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Goalpost <noreply@goalpost.invalid>")
# Where the links in email (tracking, unsubscribe, NPS survey) point: the address the site
# is served on. `make run PORT=N` sets it to http://127.0.0.1:N; production requires it.
GOALPOST_PUBLIC_URL = env(
    "GOALPOST_PUBLIC_URL", default=f"http://127.0.0.1:{env.int('GOALPOST_PORT', default=8000)}"
)
# Replies to email sent from records: with a domain, mail carries
# `Reply-To: reply+<token>@<domain>`; route that domain's mail at your provider (Mailgun,
# Postmark, SendGrid inbound parse) to POST /api/emails/inbound/ with the secret below.
# Without a secret the endpoint refuses everything (403).
GOALPOST_INBOUND_EMAIL_DOMAIN = env("GOALPOST_INBOUND_EMAIL_DOMAIN", default="")
GOALPOST_INBOUND_EMAIL_SECRET = env("GOALPOST_INBOUND_EMAIL_SECRET", default="")
# Marketing email announces its https unsubscribe URL in List-Unsubscribe (RFC 8058);
# with a mailbox here it also offers `mailto:<mailbox>?subject=unsubscribe` for mail
# clients without one-click support. Nothing reads that mailbox for you.
GOALPOST_UNSUBSCRIBE_MAILTO = env("GOALPOST_UNSUBSCRIBE_MAILTO", default="")

# --- CRM domain settings -------------------------------------------------------------
GOALPOST_DEFAULT_CURRENCY = env("GOALPOST_DEFAULT_CURRENCY", default="USD")
# Every money aggregate (board totals, KPIs, reports, goals) is converted to this currency
# at the exchange rate (metrics.ExchangeRate) valid on each amount's own date.
GOALPOST_REPORTING_CURRENCY = env(
    "GOALPOST_REPORTING_CURRENCY", default=GOALPOST_DEFAULT_CURRENCY
).upper()
# "New revenue" counts revenue from customers within this many months of becoming customers.
GOALPOST_NEW_REVENUE_MONTHS = env.int("GOALPOST_NEW_REVENUE_MONTHS", default=6)
# CLV's customer lifespan in years; unset, it is 1 ÷ the scope's annual churn rate, and
# the fallback when nobody churned (metrics.kpis.revenue.customer_lifespan_years).
GOALPOST_CUSTOMER_LIFESPAN_YEARS = env.float("GOALPOST_CUSTOMER_LIFESPAN_YEARS", default=None)
GOALPOST_CUSTOMER_LIFESPAN_FALLBACK_YEARS = env.float(
    "GOALPOST_CUSTOMER_LIFESPAN_FALLBACK_YEARS", default=3
)
GOALPOST_NPS_SCALE = env.int("GOALPOST_NPS_SCALE", default=10)
# The pipeline forecast (metrics.forecast) measures stage conversion over the stage history
# of this many days; a stage with fewer closed deals than the minimum uses its configured
# win probability; a stage with no won deal yet expects its deals to close this many days
# after they entered it.
GOALPOST_FORECAST_LOOKBACK_DAYS = env.int("GOALPOST_FORECAST_LOOKBACK_DAYS", default=365)
GOALPOST_FORECAST_MIN_CLOSED = env.int("GOALPOST_FORECAST_MIN_CLOSED", default=5)
GOALPOST_FORECAST_DEFAULT_DAYS_TO_CLOSE = env.int(
    "GOALPOST_FORECAST_DEFAULT_DAYS_TO_CLOSE", default=30
)
# Lists (browser pages and the API) count matching rows exactly up to this many and say
# "10,000+" above it (crm.counting): an exact count reads every match, a page does not.
LIST_COUNT_LIMIT = env.int("LIST_COUNT_LIMIT", default=10_000)
# Hours to resolve a ticket, per priority: the defaults of a new workspace (SlaTarget).
GOALPOST_TICKET_SLA_HOURS = {"urgent": 4, "high": 8, "normal": 24, "low": 72}
# Defaults for a new workspace; admins change both in Settings → SLA targets.
GOALPOST_TICKET_FIRST_RESPONSE_HOURS = {"urgent": 1, "high": 2, "normal": 8, "low": 24}
# Celery task names that receive every committed domain event id. crm only knows the
# names, so the domain never imports the apps that react to it.
GOALPOST_DOMAIN_EVENT_HANDLERS = env.list(
    "GOALPOST_DOMAIN_EVENT_HANDLERS",
    default=[
        "automation.tasks.handle_domain_event_task",
        "automation.marketing.tasks.handle_domain_event_task",
    ],
)

# Callables `(user=, contact=, limit=)` adding entries to the contact timeline, by name
# for the same reason as the event handlers above.
GOALPOST_TIMELINE_SOURCES = ["automation.marketing.selectors.contact_timeline_entries"]

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so an anonymous call is a 401 with a WWW-Authenticate challenge.
        "crm.api.authentication.LanguageTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "crm.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": env("LOGIN_THROTTLE_RATE", default="10/min")},
    # DRF's own proxy handling would trust X-Forwarded-For as sent; our throttles key on
    # crm.security.client_address instead, and 0 keeps any stock throttle on the socket.
    "NUM_PROXIES": 0,
    "EXCEPTION_HANDLER": "crm.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "crm.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "TITLE": "Goalpost CRM API",
    "DESCRIPTION": "Contacts, pipeline, KPIs, SMART goals and automation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`, `reason` or `match`; name their enums explicitly.
    "ENUM_NAME_OVERRIDES": {
        "GoalStatusEnum": "goals.models.GoalStatus.values",
        "RuleMatchEnum": "automation.models.Match",
        "EnrollmentExitReasonEnum": "automation.models.ExitReason",
        "EmailSourceEnum": "crm.models.emails.EmailSource",
        "EmailDirectionEnum": "crm.models.emails.EmailDirection",
        "ContactSourceEnum": "crm.models.contacts.Source",
    },
}

# --- Cache: shared by every process when Redis is configured (throttles, sign-in limits).
REDIS_URL = env("REDIS_URL", default="")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
# --- Content-Security-Policy (django-csp 4) -----------------------------------------------
# Scripts only from our own origin: no inline <script>, no on…= handlers, no eval (htmx's
# eval-based features, hx-on and js: values, are unused and switched off by the
# htmx-config meta in base.html). Styles keep 'unsafe-inline': htmx inserts its indicator
# <style>, and Chart.js and SortableJS set style attributes while they draw and drag.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Two-factor sign-in (optional, admins and managers): the name authenticator apps show.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Goalpost")

# --- Client address and sign-in limits (crm/security/) -------------------------------
# Which proxies may tell us the client's address in X-Forwarded-For: a list of addresses
# or CIDR networks (TRUSTED_PROXIES=10.0.0.0/8,127.0.0.1), or else the number of proxies
# in front (NUM_PROXIES=1). With neither, the header is ignored: the socket address is
# the client. Every throttle, sign-in limit and audit row keys on that address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Sign-in (browser and API token), over a window of LOGIN_FAILURE_WINDOW_SECONDS:
# failures per (address, username) lock that pair; failures per address across usernames
# lock the address (password spraying); failures per username across addresses slow the
# username to one attempt per LOGIN_USERNAME_SLOWDOWN_SECONDS, except from a browser that
# signed in as that user before. See crm/security/signin.py.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=10)
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=20)
LOGIN_USERNAME_SLOWDOWN_SECONDS = env.int("LOGIN_USERNAME_SLOWDOWN_SECONDS", default=10)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# Password-reset mails: at most this many per address and per target email address in
# PASSWORD_RESET_WINDOW_SECONDS; past it the page answers the same and sends nothing.
PASSWORD_RESET_ADDRESS_LIMIT = env.int("PASSWORD_RESET_ADDRESS_LIMIT", default=5)
PASSWORD_RESET_EMAIL_LIMIT = env.int("PASSWORD_RESET_EMAIL_LIMIT", default=3)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=3600)
# API creates sent with an Idempotency-Key header answer a retry with the first response
# for this long (crm/api/idempotency.py).
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# --- Celery --------------------------------------------------------------------------
# Without REDIS_URL the broker is kombu's filesystem transport under var/broker/: no server
# to install, yet tasks still go through a real worker process, so development behaves like
# production. (A PostgreSQL-backed broker would need kombu's SQLAlchemy transport, which
# polls a table and pulls SQLAlchemy in; the folder transport is simpler and as tested.)
# The host part means nothing to the folder transport; naming one spares a warning.
FILESYSTEM_BROKER_URL = "filesystem://localhost//"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or FILESYSTEM_BROKER_URL)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = var_dir() / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "out"),
        "data_folder_out": str(_queue_dir / "out"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        # Broadcast (remote control) messages; kombu's default is ./control in the cwd.
        "control_folder": str(_queue_dir / "control"),
    }
    for _sub in ("out", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
else:
    # Redis hands an unacknowledged (acks_late) task to another worker after this long,
    # e.g. when its worker died; the default hour would stall automation that long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Apps add their periodic tasks here; django-celery-beat copies them into the database
# where admins can retime them.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "crm-redispatch-domain-events": {
        "task": "crm.tasks.domain_events_redispatch_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "automation-send-pending-emails": {
        "task": "automation.tasks.outbound_emails_sweep_task",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Renewal-due and customer-anniversary events, once a day (a rerun emits nothing new).
    "automation-calendar-events": {
        "task": "automation.tasks.calendar_events_daily_task",
        "schedule": crontab(hour=6, minute=0),
        "options": {"expires": 12 * 60 * 60},
    },
}
CELERY_BEAT_SCHEDULE["crm-expire-idempotency-keys"] = {
    "task": "crm.tasks.idempotency_keys_expire_task",
    "schedule": crontab(hour=4, minute=40),
    "options": {"expires": 6 * 60 * 60},
}
KPI_SNAPSHOT_CRONTAB = crontab(
    hour=env.int("KPI_SNAPSHOT_HOUR", default=2), minute=env.int("KPI_SNAPSHOT_MINUTE", default=0)
)
# Nightly KPI snapshots of yesterday; a run not started within 6 hours is dropped rather
# than piling up behind the next one (snapshot_day is idempotent, a rerun is harmless).
# The task fans out a Celery group, one task per KPI_SNAPSHOT_CHUNK_SIZE scopes (company,
# reps, teams, pipelines, campaigns), so every worker process takes a share of the night.
KPI_SNAPSHOT_CHUNK_SIZE = env.int("KPI_SNAPSHOT_CHUNK_SIZE", default=20)
CELERY_BEAT_SCHEDULE["metrics-snapshot-kpis"] = {
    "task": "metrics.tasks.kpi_snapshot_nightly_task",
    "schedule": KPI_SNAPSHOT_CRONTAB,
    "options": {"expires": 6 * 60 * 60},
}
# Goals read the snapshots, so they are recomputed once those are stored (02:00 by
# default); a run not started within 6 hours is dropped, the next night's covers it.
CELERY_BEAT_SCHEDULE["goals-recompute-nightly"] = {
    "task": "goals.tasks.goals_recompute_nightly_task",
    "schedule": crontab(
        hour=env.int("GOALS_RECOMPUTE_HOUR", default=2),
        minute=env.int("GOALS_RECOMPUTE_MINUTE", default=30),
    ),
    "options": {"expires": 6 * 60 * 60},
}

# The pipeline forecast of every scope is stored each night, after the KPI snapshots, so
# the forecast page can show how past forecasts compared with what happened.
CELERY_BEAT_SCHEDULE["metrics-snapshot-forecast"] = {
    "task": "metrics.tasks.forecast_snapshot_nightly_task",
    "schedule": crontab(
        hour=env.int("FORECAST_SNAPSHOT_HOUR", default=2),
        minute=env.int("FORECAST_SNAPSHOT_MINUTE", default=15),
    ),
    "options": {"expires": 6 * 60 * 60},
}

# Campaign steps that are due run every minute from the database (nothing waits in the
# broker); a tick not started within 55 s is dropped, the next one covers it.
CELERY_BEAT_SCHEDULE["marketing-due-steps"] = {
    "task": "automation.marketing.tasks.due_steps_tick_task",
    "schedule": 60.0,
    "options": {"expires": 55},
}
# Behaviour points decay without any event, so scores are recomputed nightly.
CELERY_BEAT_SCHEDULE["marketing-recompute-scores"] = {
    "task": "automation.marketing.tasks.scores_recompute_nightly_task",
    "schedule": crontab(hour=3, minute=15),
    "options": {"expires": 6 * 60 * 60},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_briefly": {"()": "crm.logging.ClientErrorsBriefly"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        # Django's records go to our console alone (its default config would print each
        # one a second time through its own debug console handler).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # On the logger, not a handler: the record is trimmed before any handler sees it.
        "django.request": {"filters": ["client_errors_briefly"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
