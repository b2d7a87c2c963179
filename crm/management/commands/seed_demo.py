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
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.GOALPOST_DEMO_LANGUAGE,
            help=(
                "Language of the demo's labels (default: GOALPOST_DEMO_LANGUAGE, else "
                "LANGUAGE_CODE). Chosen at the first seeding: a later run in another "
                "language adds configuration rows in that language and no history."
            ),
        )
        parser.add_argument(
            "--in-worker",
            action="store_true",
            help=(
                "Hand the slow derived history (a year of KPI snapshots) to the Celery "
                "worker instead of computing it now: make run starts a worker next."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo users have a published password).",
        )

    def handle(self, *args, language, force=False, in_worker=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users whose password is published; it runs with DEBUG "
                "on (make run) or with --force."
            )
        if language not in dict(settings.LANGUAGES):
            # argparse checks --language; the default comes from the environment.
            raise CommandError(
                f"GOALPOST_DEMO_LANGUAGE={language!r} is not one of the site's languages: "
                + ", ".join(code for code, _name in settings.LANGUAGES)
            )
        result = seed_demo(stdout=self.stdout, language=language, in_worker=in_worker)
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
