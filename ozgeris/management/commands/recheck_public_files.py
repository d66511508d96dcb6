"""Re-check every published file as uploads are checked today: recheck_public_files [--dry-run].

Run it once after upgrading from a version that stored public files under the uploaded name:
a file that passes keeps its content under a server-chosen name with its type's extension, one
that fails (a PDF that is also a web page, a damaged one) is unpublished and kept privately
under ``quarantine/``. Until it runs, such files are still served only as their content's type,
sandboxed (``ozgeris.public_files``). It is a command rather than a data migration because it
moves files, which no transaction can roll back, and judges them by today's checks, which a
migration must not import.
"""

from collections import Counter

from django.core.management.base import BaseCommand

from ozgeris.public_files import recheck_public_files


class Command(BaseCommand):
    help = ("Check every published file whole; rename those stored under a wrong extension and "
            "unpublish those that fail.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Report what would change and change nothing.")

    def handle(self, *args, dry_run, **options):
        outcomes = Counter()
        for result in recheck_public_files(dry_run=dry_run):
            outcomes[result.outcome] += 1
            if result.outcome != "kept":
                detail = f" ({result.detail})" if result.detail else ""
                self.stdout.write(f"{result.outcome}: {result.field} #{result.pk} "
                                  f"{result.name}{detail}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        prefix = "Dry run, nothing changed: " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}{summary or 'no published files'}."))
