"""Load the 2019 demo programme by running every registered demo step in order."""

from django.core.management.base import BaseCommand
from django.db import transaction

from ozgeris.demo.programme import demo_password, logins
from ozgeris.registry import demo_steps, ordered


class Command(BaseCommand):
    help = "Record the 2019 programme as its report describes it (idempotent; --reset rebuilds it)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Remove the demo data first.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds a programme.",
        )
        parser.add_argument("--logins", action="store_true", help="Print the demo logins.")

    def handle(self, *args, reset=False, if_empty=False, logins=False, **options):
        from ozgeris.models import Programme

        steps = ordered(demo_steps)
        if if_empty and Programme.objects.exists():
            self.stdout.write("The database already holds a programme; demo not loaded.")
        else:
            if reset:
                for step in reversed(steps):
                    if step.reset:
                        with transaction.atomic():
                            step.reset(log=self._log(step.name))
            for step in steps:
                with transaction.atomic():
                    step.run(log=self._log(step.name))
            self.stdout.write(self.style.SUCCESS("Demo programme ready."))
        if logins:
            self.print_logins()

    def _log(self, name):
        return lambda message: self.stdout.write(f"  [{name}] {message}")

    def print_logins(self):
        self.stdout.write(f"Demo logins (password: {demo_password()}):")
        for role, email in logins():
            self.stdout.write(f"  {role:<10} {email}")
