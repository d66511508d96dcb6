"""The application's questions, declared once.

Each section lists its fields (``Application`` model fields) in the order the applicant sees
them, and says of each whether a submission needs it and whether the staff's XLSX export has
a column for it. Everything else reads this declaration: the form's fields and sections
(``forms.ApplicationForm``, and through it the PDF copy), the submission checklist
(``services.checklist``), the frozen copy of each submitted version (``services._snapshot``)
and the ``applications`` exporter's columns. A new question is a model field and one line
here.

The snapshot stores each value as the model holds it, in JSON: declare text, whole numbers,
yes/no or links (a date or a decimal would need converting there first).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    name: str
    required: bool = False  # a submission needs it (the checklist)
    exported: bool = False  # a column of the ``applications`` XLSX
    column: str = ""  # the column's header, where the model's label is too long for one
    money: bool = False  # tenge, shown as such in the PDF copy


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    shows_income_share: bool = False  # the live 80/20 share follows this section

    @property
    def money(self):
        return {field.name for field in self.fields if field.money}


SECTIONS = (
    Section(_("The project"), (
        Field("project_title", required=True, exported=True),
        Field("social_problem", required=True),
        Field("solution", required=True),
    )),
    Section(_("Beneficiaries and impact"), (
        Field("beneficiaries", required=True),
        Field("beneficiaries_count"),
        Field("impact_evidence", required=True),
    )),
    Section(_("Business model"), (
        Field("products", required=True),
        Field("customers", required=True),
        Field("prices"),
        Field("sales_channels"),
    )),
    Section(_("Experience and team"), (
        Field("years_in_operation", required=True),
        Field("team", required=True),
    )),
    Section(_("Finances for the last full year"), (
        Field("financial_year", required=True, exported=True),
        Field("total_income", required=True, exported=True, money=True,
              column=_("Total income, ₸")),
        Field("entrepreneurial_income", required=True, exported=True, money=True,
              column=_("Entrepreneurial income, ₸")),
    ), shows_income_share=True),
    Section(_("For the public pages"), (
        Field("video_url"),
        Field("registry_consent"),
    )),
)


# Read at call time, so that what reads them follows the declaration (and a test's patch).
def all_fields():
    return [field for section in SECTIONS for field in section.fields]


def names():
    """Every question, in the form's order: the form's fields and the snapshot's keys."""
    return [field.name for field in all_fields()]


def required_names():
    """What a submission needs, in the form's order: the checklist."""
    return [field.name for field in all_fields() if field.required]


def exported():
    """The questions the XLSX export has a column for, in the form's order."""
    return [field for field in all_fields() if field.exported]
