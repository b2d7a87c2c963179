from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Load a year of demo data (users, contacts, deals, revenue, support) for trying "
        "Goalpost. Deterministic and idempotent: a database with contacts is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo users have a published password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users whose password is published; it runs with DEBUG "
                "on (make run) or with --force."
            )
        result = seed_demo(stdout=self.stdout)
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {result.contacts} contacts, {result.deals} deals."
                )
            )
        else:
            self.stdout.write(
                f"The database already has {result.contacts} contacts; demo history not loaded."
            )
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'):")
        for username, role, _first, _last in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role.label}")
