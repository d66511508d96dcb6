"""Start next year's edition from this one: copy_programme 2019 2020."""

from django.core.management.base import BaseCommand, CommandError

from ozgeris.registries import copy_steps, ordered
from ozgeris.services import ProgrammeCopyError, copy_programme


class Command(BaseCommand):
    help = "Create a new programme from an earlier one using the registered copy steps."

    def add_arguments(self, parser):
        parser.add_argument("source", type=int)
        parser.add_argument("target", type=int)

    def handle(self, *args, source, target, **options):
        try:
            programme = copy_programme(source_year=source, target_year=target)
        except ProgrammeCopyError as exc:
            raise CommandError(str(exc)) from exc
        steps = ", ".join(step.name for step in ordered(copy_steps))
        self.stdout.write(
            self.style.SUCCESS(f"Programme {programme.year} created from {source} ({steps}).")
        )
        self.stdout.write("It is not published yet: check its dates and publish it in the admin.")
