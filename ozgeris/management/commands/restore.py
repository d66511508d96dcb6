"""Restore a backup folder: restore DIR [--force] (the rules: ozgeris/backups.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from ozgeris.backups import BackupError, ledger_head_lines, restore


class Command(BaseCommand):
    help = ("Restore a backup folder (manage.py backup) into the database, then MEDIA_ROOT, and "
            "check it against its manifest. Run it as the database's owner role, with the "
            "portal stopped.")

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="the backup folder")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that holds tables and media folders that "
                                 "hold files (the media folders are set aside, not deleted)")

    def handle(self, *args, folder, force, **options):
        started = time.monotonic()
        try:
            restored = restore(folder, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = restored.manifest
        self.stdout.write(f"backup of {manifest['created_at']}: "
                          f"{manifest['database']['vendor']} database restored")
        self.stdout.write(f"media files restored and checked (SHA-256): {restored.media_files}")
        for line in ledger_head_lines(manifest):
            self.stdout.write(line)
        if restored.set_aside:
            self.stdout.write(f"the media it replaced was set aside in {restored.set_aside}; "
                              "delete it once the portal is checked")
        self.stdout.write(f"restored in {time.monotonic() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS(
            "Restored. Next: manage.py migrate (if this code is newer than the backup), "
            "manage.py grant_runtime_role (PostgreSQL), manage.py verify_ledger --programme "
            "YEAR, then start the portal."))
