# Production image: gunicorn serves crm.wsgi; the same image runs the Celery worker and
# beat (docker-compose.yml picks the command). Settings come from the environment.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=crm.settings.production \
    WEB_CONCURRENCY=3

# gettext compiles the translations at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from the runtime lock alone, so code changes reuse this layer: the
# exact versions CI tested, each wheel checked against its hash (`make lock` writes it).
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --require-hashes --no-deps -r requirements/runtime.txt

COPY . .

# Static files and message catalogues are baked into the image. The values below exist
# only so production settings load during the build; the real ones come from .env.
RUN SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0123456789 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    EMAIL_URL=smtp://localhost:25 \
    sh -c 'python manage.py collectstatic --noinput --verbosity 0 \
        && if [ -d locale ]; then python manage.py compilemessages --ignore ".venv/*"; fi'

RUN useradd --create-home --uid 10001 --user-group goalpost \
    && mkdir -p /app/media /app/var \
    && chown -R goalpost:goalpost /app/media /app/var
USER goalpost

EXPOSE 8000
CMD ["gunicorn", "crm.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
