"""Deploy checks (`manage.py check --deploy`): production refuses settings that only
work on one machine or that everyone knows.

IDs: goalpost.E001 placeholder or weak SECRET_KEY; goalpost.E002 a per-process cache;
goalpost.E003 no REDIS_URL; goalpost.E004 the filesystem broker; goalpost.E005 email that
never leaves the process; goalpost.E006 a malformed TRUSTED_PROXIES entry.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Placeholders shipped in this repository (.env.example, test settings) and Django's own
# startproject prefix; a key starting with one of these is known to the world.
KNOWN_PLACEHOLDER_SECRETS = (
    "change-me-to-a-long-random-string-of-at-least-fifty-characters-0123",
    "test-only-secret-key",
)
KNOWN_PLACEHOLDER_PREFIXES = ("django-insecure-", "change-me", "changeme")
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
IN_PROCESS_EMAIL = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


def secret_key_problem(key: str) -> str:
    """Why `key` must not sign production sessions, or "" when it may."""
    key = key.strip()  # a placeholder pasted with a stray space is still the placeholder
    if key in KNOWN_PLACEHOLDER_SECRETS or key.lower().startswith(KNOWN_PLACEHOLDER_PREFIXES):
        return "it is a published placeholder"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"it has fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    return ""


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    problem = secret_key_problem(settings.SECRET_KEY or "")
    if not problem:
        return []
    return [
        Error(
            f"SECRET_KEY must not be used in production: {problem}.",
            hint='Generate one: python3 -c "import secrets; print(secrets.token_urlsafe(50))"',
            id="goalpost.E001",
        )
    ]


@register(Tags.caches, Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    errors = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        errors.append(
            Error(
                f"The default cache ({backend}) is not shared between processes: sign-in "
                "locks and API throttles would count per process.",
                hint="Set REDIS_URL so the cache is Redis.",
                id="goalpost.E002",
            )
        )
    if not getattr(settings, "REDIS_URL", ""):
        errors.append(
            Error(
                "REDIS_URL is not set: production needs Redis for the cache and the broker.",
                hint="Set REDIS_URL=redis://host:6379/0.",
                id="goalpost.E003",
            )
        )
    if str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("filesystem://"):
        errors.append(
            Error(
                "Celery uses the filesystem broker: tasks stay on this machine's disk.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL) to a real broker.",
                id="goalpost.E004",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_email_leaves_the_process(app_configs, **kwargs):
    if settings.EMAIL_BACKEND not in IN_PROCESS_EMAIL:
        return []
    return [
        Error(
            f"EMAIL_BACKEND {settings.EMAIL_BACKEND} never delivers mail (password resets, "
            "invitations and campaigns would be lost).",
            hint="Set EMAIL_URL=smtp+tls://user:password@smtp.example.com:587.",
            id="goalpost.E005",
        )
    ]


@register(Tags.security)
def check_trusted_proxies(app_configs, **kwargs):
    from crm.security.client_address import trusted_networks

    try:
        trusted_networks()
    except ValueError as error:
        return [
            Error(
                f"TRUSTED_PROXIES has an entry that is not an address or network: {error}",
                hint="List addresses or CIDR networks: TRUSTED_PROXIES=10.0.0.0/8,127.0.0.1",
                id="goalpost.E006",
            )
        ]
    return []
