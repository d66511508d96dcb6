"""Back up the database and the media: backup --output DIR (the rules: ozgeris/backups.py)."""

from django.core.management.base import BaseCommand, CommandError

from ozgeris.backups import BackupError, backup, ledger_head_lines


class Command(BaseCommand):
    help = ("Write a backup of the database and the media (private and public) into a new "
            "folder inside DIR, with a manifest; readable by its owner only.")

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="DIR",
                            help="where to create the backup folder (then copy it off the "
                                 "host, encrypted: see the README)")

    def handle(self, *args, output, **options):
        try:
            folder, manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for path in manifest["missing_files"]:
            self.stderr.write(f"warning: {path} is named in the database but was not in the "
                              "media (deleted while the backup ran, or lost before)")
        self.stdout.write(f"database: {manifest['database']['vendor']}, "
                          f"{manifest['database']['size']} bytes")
        self.stdout.write(f"media files: {len(manifest['media'])}")
        for line in ledger_head_lines(manifest):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Backup written: {folder}"))
