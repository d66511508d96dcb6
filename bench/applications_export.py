"""Benchmark: the ``applications`` export of a programme with 10,000 submitted applications.

Runs on the throw-away database ``bench/__main__.py`` has set up and seeded. Figures:
  applications_export_10k_s        wall-clock time of one export (render, in Russian)
  applications_export_10k_peak_mb  peak memory of a second export, in MiB: tracemalloc's peak
                                   of Python allocations during the export (the SQLite and
                                   zlib buffers in C are not counted; they are small and flat)
The issue's goal on a 2-core machine: at most 10 s and 250 MB.
"""

import gc
import time
import tracemalloc
from datetime import timedelta
from itertools import count, cycle

from django.utils import timezone, translation

from applications.exporters import render
from applications.models import (
    REQUIRED_DOCUMENTS,
    Application,
    ApplicationDocument,
    LegalForm,
    Organisation,
    Status,
)
from applications.validators import bin_checksum_ok
from ozgeris.models import Programme, Region
from ozgeris.registries import no_progress

APPLICATIONS = 10_000
BATCH = 2000
STATUSES = (Status.SUBMITTED, Status.SCREENED, Status.ELIGIBLE, Status.FAILED_80_20,
            Status.FINALIST, Status.NOT_SELECTED, Status.WINNER, Status.DOCUMENTS_REQUESTED)


def unique_bins():
    """Valid BINs in increasing order: each eleven-digit prefix with the digit that checks."""
    for serial in count(1):
        prefix = f"1900{serial:07d}"
        digit = next((d for d in "0123456789" if bin_checksum_ok(prefix + d)), None)
        if digit is not None:
            yield prefix + digit


def create_applications(programme, number=APPLICATIONS):
    """``number`` submitted applications, one organisation each, with most of their documents."""
    regions = cycle(Region.objects.all())
    nominations = cycle(programme.nominations.filter(kind="ngo"))
    legal_forms = cycle([LegalForm.OO, LegalForm.OF, LegalForm.CHF, LegalForm.TOO])
    statuses = cycle(STATUSES)
    bins = unique_bins()
    submitted = programme.intake_closes_at - timedelta(days=3)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Қоғамдық қор «Өзгеріс {index:05d}»", legal_form=next(legal_forms),
                bin=next(bins), region=next(regions), city="Алматы",
                contact_person="Айгүл Сейітова", contact_email=f"org{index}@example.kz",
                phone="+7 701 123 45 67", year_founded=2010,
            )
            for index in range(number)
        ],
        batch_size=BATCH,
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                programme=programme, organisation=organisation, nomination=next(nominations),
                status=next(statuses), submitted_at=submitted + timedelta(minutes=index),
                # Every tenth title looks like a formula: the export's slower, quoted path.
                project_title=f"{'=' if index % 10 == 0 else ''}Швейный цех №{index}",
                social_problem="Безработица в сёлах. " * 100,
                financial_year=programme.year - 1, total_income=10_000_000 + index,
                entrepreneurial_income=2_000_000 + index, income_share="20.00",
                income_share_threshold="20.00", passes_80_20=index % 3 != 0,
            )
            for index, organisation in enumerate(organisations)
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    ApplicationDocument.objects.bulk_create(
        [
            ApplicationDocument(
                application=application, kind=kind, file=f"applications/bench/{kind}.pdf",
                original_name=f"{kind}.pdf", content_type="application/pdf", size=1000,
                uploaded_at=now,
            )
            for index, application in enumerate(applications)
            for kind in REQUIRED_DOCUMENTS[: index % 4]
        ],
        batch_size=BATCH,
    )


def export(programme):
    with translation.override("ru"):
        return render(programme, {"language": "ru", "format": "xlsx"}, no_progress)


def run():
    programme = Programme.objects.get(year=2019)
    create_applications(programme)
    gc.collect()

    started = time.perf_counter()
    export(programme)
    print(f"applications_export_10k_s={time.perf_counter() - started:.2f}")

    # A separate run: tracemalloc slows allocation down and would distort the time.
    tracemalloc.start()
    export(programme)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"applications_export_10k_peak_mb={peak / 2**20:.1f}")
