"""The vote's open data, per edition and only once staff have released the results (as the
results and laureates pages): the finalists and winners, and the vote totals per finalist and
nomination with the published head of the ledger.

The totals are ``results.results``, the same as the public results page and the protocol:
after the head is published they are the ledger's count up to it, so the file holds the
frozen, released figures. A withdrawn release takes both files away.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Status
from ozgeris.registries import OpenField, register_open_dataset

from .results import current_release, results, results_released

LANGUAGES = ("ru", "kk", "en")

_NOMINATION = (
    OpenField("nomination", "string", _("The nomination, as a code."), required=True),
    OpenField("nomination_ru", "string", _("The nomination's title in Russian.")),
    OpenField("nomination_kk", "string", _("The nomination's title in Kazakh.")),
    OpenField("nomination_en", "string", _("The nomination's title in English.")),
)

FINALISTS_SCHEMA = (
    OpenField("edition", "integer", _("The edition's year."), required=True),
    OpenField("finalist_id", "integer", _("The finalist's number on the portal (as in its "
                                          "page's address and the vote totals)."), required=True),
    *_NOMINATION,
    OpenField("organisation", "string", _("The organisation's name."), required=True),
    OpenField("region", "string", _("Region, as a code."), required=True),
    OpenField("city", "string", _("City or settlement.")),
    OpenField("project_title", "string", _("The project's title.")),
    OpenField("winner", "boolean", _("Whether it won the award."), required=True),
)

TOTALS_SCHEMA = (
    OpenField("edition", "integer", _("The edition's year."), required=True),
    *_NOMINATION,
    OpenField("nomination_votes", "integer", _("Votes counted in the nomination."),
              required=True),
    OpenField("finalist_id", "integer", _("The finalist's number on the portal."),
              required=True),
    OpenField("organisation", "string", _("The organisation's name."), required=True),
    OpenField("votes", "integer", _("Votes counted for the finalist."), required=True),
    OpenField("share_percent", "number", _("Its share of all votes counted in the edition, "
                                           "in per cent."), required=True),
    OpenField("rank_in_nomination", "integer", _("Its place in the nomination by votes (equal "
                                                 "votes share a place)."), required=True),
    OpenField("winner", "boolean", _("Whether it won the award."), required=True),
    OpenField("head_sequence", "integer", _("Position of the ledger's head published at the "
                                            "close: the number of votes sealed."),
              required=True),
    OpenField("head_digest", "string", _("The ledger's head digest published at the close "
                                         "(SHA-256, hex): check it on the public ledger page."),
              required=True),
    OpenField("released_at", "datetime", _("When the results were released (UTC)."),
              required=True),
)


def version(programme):
    """A release after a withdrawal, or winners declared after the release, is a new version
    of the files."""
    release = current_release(programme)
    winners = Application.objects.filter(programme=programme, status=Status.WINNER).count()
    if release is None:
        return f"unreleased:{winners}"
    return f"{release.released_at}:{release.head_digest}:{winners}"


def _release_or_404(programme):
    """The release the rows are written for. ``is_public`` was asked at the start of the
    request; a release withdrawn since answers as if it never was, never half a file."""
    release = current_release(programme)
    if release is None:
        raise Http404("The results are not released.")
    return release


def _nomination(nomination):
    return {"nomination": nomination.code,
            **{f"nomination_{lang}": getattr(nomination, f"title_{lang}") or nomination.title_ru
               for lang in LANGUAGES}}


def finalist_rows(programme):
    """The finalists and winners, as on the laureates page: three queries for any number."""
    _release_or_404(programme)
    finalists = (Application.objects.finalists(programme)
                 .select_related("organisation__region")
                 .order_by("nomination__order", "organisation__name", "pk"))
    for application in finalists:
        organisation = application.organisation
        yield {
            "edition": programme.year,
            "finalist_id": application.pk,
            **_nomination(application.nomination),
            "organisation": organisation.name,
            "region": organisation.region.code,
            "city": organisation.city,
            "project_title": application.project_title,
            "winner": application.status == Status.WINNER,
        }


def total_rows(programme):
    """The released totals per finalist, grouped by nomination, most votes first."""
    release = _release_or_404(programme)
    outcome = results(programme, fresh=True)
    for group in outcome.by_nomination:
        nomination_votes = sum(row.votes for row in group.rows)
        for row in group.rows:
            yield {
                "edition": programme.year,
                **_nomination(group.nomination),
                "nomination_votes": nomination_votes,
                "finalist_id": row.application.pk,
                "organisation": row.application.organisation.name,
                "votes": row.votes,
                "share_percent": row.share,
                "rank_in_nomination": 1 + sum(other.votes > row.votes for other in group.rows),
                "winner": row.application.status == Status.WINNER,
                "head_sequence": release.head_sequence,
                "head_digest": release.head_digest,
                "released_at": release.released_at,
            }


def _register_released(name, **declaration):
    """A dataset of the vote: public while the results are released, versioned by the
    release (the same rule for every file of the vote)."""
    register_open_dataset(name, is_public=results_released, version=version, **declaration)


def register():
    _register_released(
        "finalists", title=_("Finalists and winners"),
        description=_("The finalists of each edition's public vote and the winners, once the "
                      "results are released."),
        schema=FINALISTS_SCHEMA, rows=finalist_rows, order=20)
    _register_released(
        "vote-totals", title=_("Public vote totals"),
        description=_("The released totals of the public vote per finalist and nomination, "
                      "with the ledger's head digest published at the close."),
        schema=TOTALS_SCHEMA, rows=total_rows, order=30)
