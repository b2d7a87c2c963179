"""Create a login for an operator-chosen role; no default or known passwords."""

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.models import Role, Team, User
from crm.services.users import user_create

PASSWORD_ENV = "GOALPOST_PASSWORD"  # noqa: S105 (a variable name, not a secret)


class Command(BaseCommand):
    help = (
        "Create a user with a role. The password comes from --password, else the "
        f"{PASSWORD_ENV} environment variable, else an interactive prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--role", choices=Role.values, default=Role.REP)
        parser.add_argument(
            "--password",
            help=f"Prefer {PASSWORD_ENV} or the prompt: "
            "arguments end up in shell history and process lists.",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--team", help="Team name; created if it does not exist.")

    def handle(self, *args, **options):
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        password = options["password"] or os.environ.get(PASSWORD_ENV) or self._prompt()
        team = None
        if options["team"]:
            team, _ = Team.objects.get_or_create(name=options["team"])
        try:
            user = user_create(
                actor=None,
                username=username,
                email=options["email"],
                role=options["role"],
                password=password,
                first_name=options["first_name"],
                last_name=options["last_name"],
                team=team,
                is_staff=options["role"] == Role.ADMIN,
            )
        except ValidationError as exc:
            messages = [
                f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
            ]
            raise CommandError("\n".join(messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} {user.username!r}."))

    def _prompt(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(f"Give --password or set {PASSWORD_ENV}; there is no terminal.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return password
