"""Load the 2019 demo programme by running every registered demo step in order, and the live
edition to try (this year's, copied from 2019, its stages around today: ozgeris.demo.live)."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ozgeris.demo.live import PHASES, live_edition, live_edition_exists
from ozgeris.demo.programme import demo_password, logins
from ozgeris.registries import demo_steps, ordered
from ozgeris.services import ProgrammeCopyError


class Command(BaseCommand):
    help = "Record the 2019 programme as its report describes it (idempotent; --reset rebuilds it)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Remove the demo data first.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load the 2019 demo only when the database holds no programme yet.",
        )
        parser.add_argument("--logins", action="store_true", help="Print the demo logins.")
        parser.add_argument(
            "--live",
            action="store_true",
            help="Also create this year's edition from 2019 with applications open today, "
            "unless it exists (make run).",
        )
        parser.add_argument(
            "--phase",
            choices=list(PHASES),
            help="Set this year's edition (created from 2019 if missing) to this phase: its "
            "stages move around today.",
        )
        parser.add_argument(
            "--in-production",
            action="store_true",
            help="Load the demo although DJANGO_ENV=production (needs a DEMO_PASSWORD of your "
            "own: the demo's accounts include staff).",
        )

    def handle(self, *args, reset=False, if_empty=False, logins=False, in_production=False,
               live=False, phase=None, **options):
        from ozgeris.models import Programme

        if settings.PRODUCTION:
            self._refuse_unless_deliberate(in_production)
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
        if phase or (live and not live_edition_exists()):
            try:
                with transaction.atomic():
                    programme = live_edition(phase=phase or "intake", log=self._log("live"))
            except (ProgrammeCopyError, ValueError) as error:
                raise CommandError(f"No live edition: {error}") from error
            self.stdout.write(self.style.SUCCESS(
                f"Live edition {programme.year} ready ({phase or 'intake'}); "
                "seed_demo --phase intake|jury|voting|results moves it."))
        if logins:
            self.print_logins()

    def _refuse_unless_deliberate(self, in_production):
        """The demo makes a staff account: in production only when asked for by name, and never
        with the password the README prints or one the password rules refuse."""
        if not in_production:
            raise CommandError(
                "DJANGO_ENV=production: seed_demo would create demo accounts, staff among them. "
                "Pass --in-production, with DEMO_PASSWORD set to a password of your own, if "
                "that is really what you want.")
        if demo_password() == settings.README_DEMO_PASSWORD:
            raise CommandError("DEMO_PASSWORD is the one printed in the README: set your own.")
        try:
            validate_password(demo_password())
        except ValidationError as error:
            raise CommandError("DEMO_PASSWORD is too weak: " + " ".join(error.messages)) from None

    def _log(self, name):
        return lambda message: self.stdout.write(f"  [{name}] {message}")

    def print_logins(self):
        self.stdout.write(f"Demo logins (password: {demo_password()}):")
        for role, email in logins():
            self.stdout.write(f"  {role:<10} {email}")
