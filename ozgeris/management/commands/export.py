"""Run a registered exporter from the command line: export NAME --programme YEAR --output FILE."""

from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ozgeris.models import Programme
from ozgeris.reader_seats import figures_held
from ozgeris.registries import exporters

# The exporters of the grant report, which render an issued version (``{"version": n}``).
VERSIONED = ("report", "report-xlsx")


class Command(BaseCommand):
    help = "Write a registered export (XLSX/PDF) of a programme to a file."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The exporter's name; omit to list them.")
        parser.add_argument("--programme", type=int, help="The programme's year.")
        parser.add_argument("--output", help="The file to write.")
        parser.add_argument("--language", default="ru", choices=["ru", "kk", "en"])
        parser.add_argument("--format", dest="fmt", help="One of the exporter's formats.")
        parser.add_argument("--issued", type=int, metavar="VERSION",
                            help="The grant report (report, report-xlsx) as issued in this "
                                 "version: its frozen figures, no draft notes. Without it, "
                                 "the draft computed from the data now.")

    def available(self):
        if not exporters.names():
            return "No exporters are registered."
        return "Available exporters:\n" + "\n".join(
            f"  {exporter.name:<16} {exporter.title} ({', '.join(exporter.formats)})"
            for exporter in sorted(exporters, key=lambda item: item.name)
        )

    def handle(self, *args, name=None, programme=None, output=None, language="ru", fmt=None,
               issued=None, **options):
        if not name:
            self.stdout.write(self.available())
            return
        exporter = exporters.get(name)
        if exporter is None:
            raise CommandError(f"Unknown exporter {name!r}.\n{self.available()}")
        if programme is None or not output:
            raise CommandError("Give --programme YEAR and --output FILE.")
        try:
            edition = Programme.objects.get(year=programme)
        except Programme.DoesNotExist as exc:
            raise CommandError(f"There is no programme {programme}.") from exc
        if figures_held(name, edition):  # the page refuses it to everyone too
            raise CommandError(f"{name} of {programme} is written once its figures are out "
                               "(the vote's audit file: once the vote has closed).")
        if fmt and fmt not in exporter.formats:
            raise CommandError(f"{name} writes {', '.join(exporter.formats)}, not {fmt}.")
        if issued is not None and name not in VERSIONED:
            raise CommandError(f"Only {' and '.join(VERSIONED)} have issued versions.")
        verbosity = options.get("verbosity", 1)
        options = {"language": language, "format": fmt or exporter.formats[0]}
        if issued is not None:
            options["version"] = issued

        def progress(done, total, message=""):
            if verbosity > 1:
                self.stderr.write(f"{done}/{total} {message}")

        try:
            with translation.override(language):
                filename, _content_type, content = exporter.render(edition, options, progress)
        except ObjectDoesNotExist as exc:  # the version asked for (the exporter looks it up)
            if issued is None:
                raise
            raise CommandError(f"The {programme} report has no issued version {issued}.") from exc
        Path(output).write_bytes(content)
        self.stdout.write(f"{name}: wrote {len(content)} bytes to {output} ({filename})")
