"""Settings for the subprocess Celery worker of the crash tests.

Only difference from crm.settings.test: Redis hands an unacknowledged message to another
consumer after 5 seconds instead of an hour, so a SIGKILLed worker's task comes back
within the test (in production the outbox sweep re-sends such events after 2 minutes).
"""

from crm.settings.test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 5}
