"""`beat_alive [--max-age 600]`: exit 0 while Celery beat keeps sending its periodic tasks.

The beat container's health check (docker-compose.yml). A beat process can live on while
it sends nothing (a lost database connection, a hung scheduler), so the check reads what
beat writes: django-celery-beat's DatabaseScheduler stamps `last_run_at` on each periodic
task it sends and saves the stamps at least every 3 minutes (celery's `sync_every`). Two
tasks run every minute (domain event redispatch, due campaign steps), so a live beat's
newest stamp is never much older than 4 minutes.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from django.utils import timezone
from django_celery_beat.models import PeriodicTask


class Command(BaseCommand):
    help = "Fail unless Celery beat sent a periodic task within --max-age seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=600,
            help="seconds since beat's newest recorded send (default 600)",
        )

    def handle(self, *args, max_age: int, **options):
        newest = PeriodicTask.objects.filter(enabled=True).aggregate(newest=Max("last_run_at"))[
            "newest"
        ]
        if newest is None:
            raise CommandError("Celery beat has not recorded sending any periodic task.")
        age = (timezone.now() - newest).total_seconds()
        if age > max_age:
            raise CommandError(
                f"Celery beat's newest recorded send is {age:.0f} s old (limit {max_age} s)."
            )
        self.stdout.write(f"Celery beat sent a periodic task {age:.0f} s ago.")
