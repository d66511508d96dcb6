"""The ``applications`` exporter: one row per submitted application of a programme, as XLSX.

Registered when this module is imported (from ``ApplicationsConfig.ready()``); Python imports
a module once per process, so the registration happens once.

The rows are read in four queries whatever their number (the count, regions, nominations and
the applications with their documents' presence annotated) and streamed into the workbook in
chunks, so a programme with ten thousand applications exports within a few megabytes.

Its columns of answers are the questions ``applications.fields`` marks exported.
"""

from django.db.models import BooleanField, Exists, OuterRef
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris.models import Region
from ozgeris.registries import register_exporter
from ozgeris.uploads import CONTENT_TYPES, XLSX
from ozgeris.xlsx import workbook_bytes

from . import fields as application_fields
from .models import (
    REQUIRED_DOCUMENTS,
    Application,
    ApplicationDocument,
    DocumentKind,
    LegalForm,
    Status,
)

CHUNK_SIZE = 2000
PROGRESS_EVERY = 500

# Around the declared answers (``applications.fields``): who applied, and what came of it.
_ORGANISATION = (
    "organisation__name",
    "organisation__legal_form",
    "organisation__bin",
    "organisation__region_id",
    "organisation__city",
    "nomination_id",
)
_OUTCOME = ("income_share", "passes_80_20", "status", "submitted_at")


def _submitted(programme):
    return Application.objects.submitted().filter(programme=programme)


def applications_for_export(programme):
    """The programme's submitted applications, in the export's order, as tuples of the
    organisation's values, the exported answers, the outcome, then one has-document flag per
    required document."""
    flags = {
        f"has_{kind}": Exists(
            ApplicationDocument.objects.filter(application=OuterRef("pk"), kind=kind)
        )
        for kind in REQUIRED_DOCUMENTS
    }
    answers = [field.name for field in application_fields.exported()]
    return (
        _submitted(programme)
        .annotate(**flags)
        .order_by("nomination__order", "nomination_id", "organisation__name", "pk")
        .values_list(*_ORGANISATION, *answers, *_OUTCOME, *flags)
    )


def header():
    return [
        # Translators: the column of row numbers in a spreadsheet.
        _("No."),
        _("Organisation"),
        _("Legal form"),
        _("BIN"),
        _("Region"),
        _("City"),
        _("Nomination"),
        *(capfirst(str(field.column or Application._meta.get_field(field.name).verbose_name))
          for field in application_fields.exported()),
        _("Share of entrepreneurial income, %"),
        _("80/20 rule met"),
        _("Status"),
        _("Submitted at"),
        *(capfirst(DocumentKind(kind).label) for kind in REQUIRED_DOCUMENTS),
    ]


def _cell(model_field, yes_no):
    """How an answer is written: yes/no, a choice's label, or the value itself."""
    if isinstance(model_field, BooleanField):
        return yes_no.__getitem__
    if model_field.choices:
        labels = {value: str(label) for value, label in model_field.choices}
        return lambda value: labels.get(value, value)
    return lambda value: value


def _rows(programme, progress):
    """Yield the sheet's rows; report progress every ``PROGRESS_EVERY`` rows."""
    total = _submitted(programme).count()
    regions = {region.pk: region.name for region in Region.objects.all()}
    nominations = {nomination.pk: nomination.title for nomination in programme.nominations.all()}
    legal_forms = {value: str(label) for value, label in LegalForm.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    yes_no = {True: _("yes"), False: _("no"), None: "—"}
    cells = [_cell(Application._meta.get_field(field.name), yes_no)
             for field in application_fields.exported()]
    message = _("Applications")
    progress(0, total, message)
    rows = applications_for_export(programme).iterator(chunk_size=CHUNK_SIZE)
    for number, values in enumerate(rows, start=1):
        name, legal_form, bin_, region_id, city, nomination_id, *rest = values
        answers, rest = rest[:len(cells)], rest[len(cells):]
        income_share, passes_80_20, status, submitted_at, *documents = rest
        yield [
            number,
            name,
            legal_forms.get(legal_form, legal_form),
            bin_,
            regions[region_id],
            city,
            nominations[nomination_id],
            *(cell(value) for cell, value in zip(cells, answers, strict=True)),
            income_share,
            yes_no[passes_80_20],
            statuses.get(status, status),
            submitted_at,
            *(yes_no[present] for present in documents),
        ]
        if number % PROGRESS_EVERY == 0:
            progress(number, total, message)
    progress(total, total, message)


def render(programme, options, progress):
    """The XLSX of the programme's submitted applications, in the active language.

    BIN and every text the applicant typed are string cells (a BIN keeps its leading zeros,
    a title starting with ``=`` stays text); the submission time is Almaty wall-clock time.
    """
    content = workbook_bytes([(_("Applications"), header(), _rows(programme, progress))])
    return f"applications-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


register_exporter("applications", title=gettext_lazy("Applications"), formats=["xlsx"],
                  render=render)
