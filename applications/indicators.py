"""What the grant report can count and show about the intake (registered in apps.ready)."""

from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from ozgeris.models import Nomination, localized
from ozgeris.registries import register_indicator, register_table

from .models import Application, Status

PAST_SCREENING = {Status.SCREENED, Status.ELIGIBLE, Status.FAILED_80_20, Status.FINALIST,
                  Status.NOT_SELECTED, Status.WINNER}


def _applications(programme):
    return Application.objects.filter(programme=programme)


def submitted(programme):
    return _applications(programme).submitted().count()


def screened(programme):
    return _applications(programme).filter(status__in=PAST_SCREENING).count()


def documents_rejected(programme):
    return _applications(programme).filter(status=Status.DOCUMENTS_REJECTED).count()


def failed_80_20(programme):
    return _applications(programme).filter(status=Status.FAILED_80_20).count()


def eligible(programme):
    return _applications(programme).eligible().count()


def finalists(programme):
    return Application.objects.finalists(programme).count()


def winners(programme):
    return _applications(programme).filter(status=Status.WINNER).count()


def nominations(programme):
    """The nominations NGOs apply in (the supporting-organisation ones are the jury's)."""
    return programme.nominations.filter(kind=Nomination.Kind.NGO).count()


def regulations(programme):
    """The programme's regulations are published (the file the call links to)."""
    return {"exists": bool(programme.regulations),
            "evidence": programme.regulations.name if programme.regulations else ""}


def by_nomination(programme):
    counts = dict(_applications(programme).submitted().values_list("nomination")
                  .annotate(n=Count("id")).values_list("nomination", "n"))
    rows = [(localized(n, "title"), counts.get(n.pk, 0))
            for n in programme.nominations.filter(kind=Nomination.Kind.NGO)]
    return [_("Nomination"), _("Applications")], rows


def by_region(programme):
    rows = (_applications(programme).submitted()
            .values("organisation__region__name_ru", "organisation__region__name_kk",
                    "organisation__region__name_en")
            .annotate(n=Count("id")).order_by("-n", "organisation__region__name_ru"))

    def name(row):
        language = (translation.get_language() or "ru")[:2]
        return row.get(f"organisation__region__name_{language}") or row[
            "organisation__region__name_ru"]

    return [_("Region"), _("Applications")], [(name(row), row["n"]) for row in rows]


def register():
    for name, function in {
        "applications.submitted": submitted,
        "applications.screened": screened,
        "applications.documents_rejected": documents_rejected,
        "applications.failed_80_20": failed_80_20,
        "applications.eligible": eligible,
        "applications.finalists": finalists,
        "applications.winners": winners,
        "applications.nominations": nominations,
        "applications.regulations": regulations,
    }.items():
        register_indicator(name, function)
    register_table("applications.by_nomination", by_nomination)
    register_table("applications.by_region", by_region)
