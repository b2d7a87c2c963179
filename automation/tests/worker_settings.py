"""Settings for the subprocess Celery worker of the crash tests.

Only difference from crm.settings.test: Redis hands an unacknowledged message to another
consumer after 5 seconds instead of 15 minutes, so a SIGKILLed worker's task comes back
within the test (in production the outbox sweep re-sends such events after 2 minutes).
Kombu 5.7 looks for such messages every 10 x 10 s, under a lock that a worker killed while
holding it keeps for 5 minutes, so the restarted worker could wait 100 or 300 s for them
(the test timed out after 240 s on a quiet machine): here every 2 s, the lock for 10 s.
"""

from crm.settings.test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 5,
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 10,
}
