"""Grant the runtime database role what the portal needs: grant_runtime_role [ROLE].

Run it as the owner role, after every ``migrate`` (docker-compose.yml's migrate service does).
The rule is in ozgeris/dbroles.py.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ozgeris.dbroles import RoleError, grant


class Command(BaseCommand):
    help = ("Grant the runtime role (gunicorn, Celery) DML on the portal's tables, SELECT and "
            "INSERT only on the vote's insert-only tables. PostgreSQL; run as the owner.")

    def add_arguments(self, parser):
        parser.add_argument(
            "role", nargs="?", default=os.environ.get("DATABASE_RUNTIME_ROLE", ""),
            help="the runtime role (default: the DATABASE_RUNTIME_ROLE environment variable)")

    def handle(self, *args, role, **options):
        if not role:
            raise CommandError("Name the runtime role, or set DATABASE_RUNTIME_ROLE.")
        try:
            statements = grant(connection, role)
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 1:
            for statement in statements:
                self.stdout.write(f"  {statement}")
        self.stdout.write(self.style.SUCCESS(f"Runtime privileges granted to {role}."))
