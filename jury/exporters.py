"""The jury's exporters: its minutes (``jury-protocol``, PDF), the scores
(``scores``), the finalists (``finalists``) and the members with their attendance
(``jury-members``), all XLSX.

Registered when this module is imported (from ``JuryConfig.ready()``). Every mean, total,
spread and rank comes from ``jury.results.results``: nothing here computes one. Each
exporter reads a fixed number of queries whatever the number of applications; the texts
are in the active language (the caller wraps ``render`` in ``translation.override``).
"""

from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Status
from ozgeris.models import Region
from ozgeris.pdf import render_pdf
from ozgeris.registries import register_exporter
from ozgeris.uploads import CONTENT_TYPES, PDF, XLSX
from ozgeris.xlsx import workbook_bytes

from . import models
from .results import results, results_applied
from .supporting import laureates

ALMATY = ZoneInfo("Asia/Almaty")


# ---------------------------------------------------------------------------
# Shared readings
# ---------------------------------------------------------------------------

def _number(value, places=2):
    return None if value is None else round(value, places)


def _almaty(moment):
    return timezone.localtime(moment, ALMATY)


def _criteria(programme):
    return list(models.Criterion.objects.filter(programme=programme))


def _members(programme):
    return list(models.JuryMember.objects.filter(programme=programme).select_related("user"))


def ranking_of(programme):
    """The ranking the programme chose (raw unless its jury settings say otherwise); read
    only, so exporting never creates the settings row."""
    value = (models.JurySettings.objects.filter(programme=programme)
             .values_list("ranking", flat=True).first())
    return models.JurySettings.Ranking(value or models.JurySettings.Ranking.RAW)


def _status_labels():
    return {value: str(label) for value, label in Status.choices}


def _finalist_ids(programme):
    """Who is a finalist is ApplicationQuerySet.finalists' to say, not this module's."""
    return set(Application.objects.finalists(programme).values_list("pk", flat=True))


def _yes_no(value):
    return _("yes") if value else _("no")


def _sitting_label(sitting):
    subject = capfirst(sitting.get_subject_display())
    return f"{_almaty(sitting.starts_at):%d.%m.%Y %H:%M} · {subject}"


# ---------------------------------------------------------------------------
# scores: one row per application with each juror's sheet, the means and the rank
# ---------------------------------------------------------------------------

def _sheets_and_scores(programme):
    """Everything the jurors wrote, in three queries: the states of the sheets, the scores of
    the submitted ones and the conflicts that keep a juror's sheet out of the results."""
    sheets = {
        (application_id, juror_id): (pk, state, comment, submitted_at)
        for pk, application_id, juror_id, state, comment, submitted_at in
        models.ScoreSheet.objects.filter(juror__programme=programme).values_list(
            "pk", "application_id", "juror_id", "state", "overall_comment", "submitted_at")
    }
    scores = {}
    for sheet_id, criterion_id, value, comment in models.Score.objects.filter(
            sheet__juror__programme=programme,
            sheet__state=models.ScoreSheet.State.SUBMITTED).values_list(
            "sheet_id", "criterion_id", "value", "comment"):
        scores.setdefault(sheet_id, {})[criterion_id] = (value, comment)
    conflicts = set(models.Conflict.objects.filter(juror__programme=programme)
                    .excluding()
                    .values_list("application_id", "juror_id"))
    return sheets, scores, conflicts


def scores_header(criteria, members, ranking):
    return [
        # Translators: the column of row numbers in a spreadsheet.
        _("No."),
        _("Nomination"),
        _("Organisation"),
        _("Project title"),
        _("Status"),
        *(f"{member} · {criterion.title}" for member in members for criterion in criteria),
        *(_("Mean: %(criterion)s") % {"criterion": c.title} for c in criteria),
        *(_("Normalised mean: %(criterion)s") % {"criterion": c.title} for c in criteria),
        _("Total (raw)"),
        _("Total (normalised)"),
        _("Sheets"),
        _("Lowest score"),
        _("Highest score"),
        _("Top scores (5)"),
        _("Rank (%(ranking)s)") % {"ranking": ranking.label},
        _("Rank by raw scores"),
        _("Rank by normalised scores"),
        _("Tied"),
    ]


def _juror_cells(application_id, member, criteria, sheets, scores, conflicts):
    """One juror's columns for one application: their submitted scores, or why there are
    none (a conflict of interest, a sheet still in draft)."""
    if (application_id, member.pk) in conflicts:
        return [_("conflict of interest")] * len(criteria)
    sheet = sheets.get((application_id, member.pk))
    if sheet is None:
        return [None] * len(criteria)
    if sheet[1] != models.ScoreSheet.State.SUBMITTED:
        return [_("draft")] * len(criteria)
    values = scores.get(sheet[0], {})
    return [values.get(c.pk, (None, ""))[0] for c in criteria]


def _score_rows(rows, criteria, members, sheets, scores, conflicts, progress):
    statuses = _status_labels()
    message = _("Scores")
    for number, result in enumerate(rows, start=1):
        application = result.application
        yield [
            number,
            application.nomination.title,
            application.organisation.name,
            application.project_title,
            statuses.get(application.status, application.status),
            *(cell for member in members
              for cell in _juror_cells(application.pk, member, criteria, sheets, scores,
                                       conflicts)),
            *(_number(result.means.get(c.pk)) for c in criteria),
            *(_number(result.normalised_means.get(c.pk)) for c in criteria),
            _number(result.total),
            _number(result.normalised_total),
            result.sheets,
            result.lowest,
            result.highest,
            result.top_scores,
            result.rank,
            result.raw_rank,
            result.normalised_rank,
            _yes_no(result.tied),
        ]
        progress(number, len(rows), message)


def comments_header(criteria):
    return [
        _("No."),
        _("Nomination"),
        _("Organisation"),
        _("Juror"),
        *(label for c in criteria for label in (
            _("Score: %(criterion)s") % {"criterion": c.title},
            _("Comment: %(criterion)s") % {"criterion": c.title})),
        _("Overall comment"),
        _("Submitted at"),
        _("Counted in the results"),
    ]


def _comment_rows(rows, criteria, members, sheets, scores, conflicts):
    """One row per submitted sheet of a scored application, the jurors' comments included."""
    number = 0
    for result in rows:
        application = result.application
        for member in members:
            sheet = sheets.get((application.pk, member.pk))
            if sheet is None or sheet[1] != models.ScoreSheet.State.SUBMITTED:
                continue
            number += 1
            values = scores.get(sheet[0], {})
            yield [
                number,
                application.nomination.title,
                application.organisation.name,
                str(member),
                *(cell for c in criteria for cell in values.get(c.pk, (None, ""))),
                sheet[2],
                sheet[3],
                _yes_no((application.pk, member.pk) not in conflicts),
            ]


def render_scores(programme, options, progress):
    """The XLSX of the scores: a sheet with one row per scored application (each juror's
    scores, the raw and normalised means and totals, the spread, the ranks) and a sheet with
    one row per submitted score sheet, comments included."""
    criteria = _criteria(programme)
    members = _members(programme)
    ranking = ranking_of(programme)
    progress(0, 1, _("Scores"))
    rows = results(programme)
    sheets, scores, conflicts = _sheets_and_scores(programme)

    content = workbook_bytes([
        (_("Scores"), scores_header(criteria, members, ranking),
         _score_rows(rows, criteria, members, sheets, scores, conflicts, progress)),
        (_("Score sheets"), comments_header(criteria),
         _comment_rows(rows, criteria, members, sheets, scores, conflicts)),
    ])
    return f"scores-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


# ---------------------------------------------------------------------------
# finalists: one row per finalist (or winner)
# ---------------------------------------------------------------------------

def finalists_header(ranking):
    return [
        _("No."),
        _("Nomination"),
        _("Organisation"),
        _("Region"),
        _("City"),
        _("Project title"),
        _("Total (raw)"),
        _("Total (normalised)"),
        _("Rank (%(ranking)s)") % {"ranking": ranking.label},
        _("Status"),
    ]


def render_finalists(programme, options, progress):
    """The XLSX of the finalists (and, after the vote, the winners) in nomination and rank
    order, with the totals and the rank that made them finalists.

    Marked free of personal data, it is offered to the read-only seats and attached to their
    grant report, the same file that staff get: so it names each organisation but carries no
    BIN (staff read the BINs in the applications export)."""
    ranking = ranking_of(programme)
    regions = {region.pk: region.name for region in Region.objects.all()}
    statuses = _status_labels()
    finalist_ids = _finalist_ids(programme)
    finalists = [r for r in results(programme) if r.application.pk in finalist_ids]
    progress(0, len(finalists), _("Finalists"))
    rows = [
        [
            number,
            result.application.nomination.title,
            result.application.organisation.name,
            regions.get(result.application.organisation.region_id),
            result.application.organisation.city,
            result.application.project_title,
            _number(result.total),
            _number(result.normalised_total),
            result.rank,
            statuses.get(result.application.status, result.application.status),
        ]
        for number, result in enumerate(finalists, start=1)
    ]
    content = workbook_bytes([(_("Finalists"), finalists_header(ranking), rows)])
    progress(len(finalists), len(finalists), _("Finalists"))
    return f"finalists-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


# ---------------------------------------------------------------------------
# jury-members: members, affiliations, attendance per sitting
# ---------------------------------------------------------------------------

def render_jury_members(programme, options, progress):
    """The XLSX of the jury: one row per member with their role, affiliation, how many
    sheets they submitted and conflicts they have, and their presence at each sitting."""
    members = list(
        models.JuryMember.objects.filter(programme=programme).select_related("user").annotate(
            submitted=Count("sheets", filter=Q(sheets__state=models.ScoreSheet.State.SUBMITTED),
                            distinct=True),
            conflicted=Count(
                "conflicts", filter=models.ConflictQuerySet.excluding_condition("conflicts__"),
                distinct=True)))
    sittings = list(models.Sitting.objects.filter(programme=programme))
    presence = {(a.sitting_id, a.member_id): a.presence
                for a in models.Attendance.objects.filter(sitting__programme=programme)}
    labels = dict(models.Attendance.Presence.choices)
    progress(0, len(members), _("Jury members"))
    header = [
        _("No."),
        _("Name"),
        _("Role"),
        _("Affiliation"),
        _("Score sheets submitted"),
        _("Conflicts of interest"),
        *(_sitting_label(sitting) for sitting in sittings),
        _("Sittings attended"),
    ]
    rows = []
    for number, member in enumerate(members, start=1):
        marks = [presence.get((sitting.pk, member.pk)) for sitting in sittings]
        rows.append([
            number,
            str(member),
            member.get_role_display(),
            member.affiliation,
            member.submitted,
            member.conflicted,
            *(str(labels[mark]) if mark else "—" for mark in marks),
            sum(1 for mark in marks if mark in models.PRESENT),
        ])
    content = workbook_bytes([(_("Jury members"), header, rows)])
    progress(len(members), len(members), _("Jury members"))
    return f"jury-members-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


# ---------------------------------------------------------------------------
# jury-protocol: the minutes of the jury, as PDF
# ---------------------------------------------------------------------------

def _supporting_laureates(programme):
    """The supporting-organisation nominations' outcomes, for the protocol."""
    return [
        {"nomination": outcome.nomination, "laureate": outcome.laureate,
         "votes": list(outcome.votes.items()), "abstentions": outcome.abstentions,
         "unanimous": outcome.unanimous, "tied": outcome.tied, "closed": outcome.closed}
        for outcome in laureates(programme)]


def _by_nomination(rows):
    """[(nomination, [results])] in the nominations' order (results come in that order)."""
    groups = {}
    for result in rows:
        groups.setdefault(result.application.nomination_id, []).append(result)
    return [(group[0].application.nomination, group) for group in sorted(
        groups.values(), key=lambda g: (g[0].application.nomination.order,
                                        g[0].application.nomination_id))]


def _sittings(programme):
    # "chair" sorts before "member": the chair heads each list of those present.
    ordered = models.Attendance.objects.select_related("member__user").order_by(
        "member__role", "member__order", "member_id")
    sittings = []
    for sitting in models.Sitting.objects.filter(programme=programme).prefetch_related(
            Prefetch("attendance", queryset=ordered)):
        records = list(sitting.attendance.all())
        sittings.append({
            "sitting": sitting,
            "present": [a for a in records if a.presence in models.PRESENT],
            "absent": [a.member for a in records if a.presence not in models.PRESENT],
        })
    return sittings


def _signatories(members, sittings):
    """The chair, then every member present at a sitting (every member when no sitting has
    been recorded), in the jury's order."""
    present = {a.member_id for s in sittings for a in s["present"]}
    chairs = [m for m in members if m.role == models.JuryMember.Role.CHAIR]
    others = [m for m in members if m.role != models.JuryMember.Role.CHAIR
              and (not sittings or m.pk in present)]
    return chairs, others


def protocol_context(programme):
    """Everything the minutes show, read in a fixed number of queries."""
    criteria = _criteria(programme)
    members = _members(programme)
    sittings = _sittings(programme)
    rows = results(programme)
    conflicts = list(
        models.Conflict.objects.filter(juror__programme=programme,
                                       state=models.Conflict.State.CONFIRMED)
        .select_related("juror__user", "application__organisation", "application__nomination")
        .order_by("application__nomination__order", "application__organisation__name",
                  "juror__order", "juror_id"))
    pending = models.Conflict.objects.filter(juror__programme=programme,
                                             state=models.Conflict.State.PENDING).count()
    decisions = list(
        models.EligibilityDecision.objects.filter(application__programme=programme)
        .select_related("application__organisation", "application__nomination")
        .order_by("application__nomination__order", "application__organisation__name"))
    tie_breaks = list(
        models.TieBreak.objects.filter(application__programme=programme)
        .select_related("application__organisation", "application__nomination")
        .order_by("application__nomination__order", "priority"))
    groups = _by_nomination(rows)
    finalist_ids = _finalist_ids(programme)
    chairs, others = _signatories(members, sittings)
    return {
        "programme": programme,
        "LANGUAGE_CODE": translation.get_language() or "ru",
        "generated_at": _almaty(timezone.now()),
        "criteria": criteria,
        "weighted": any(c.weight != 1 for c in criteria),
        "members": members,
        "sittings": sittings,
        "sitting_dates": sorted({_almaty(s["sitting"].starts_at).date() for s in sittings}),
        "conflicts": conflicts,
        "pending_conflicts": pending,
        "eligibility_groups": [
            (_("Eligible"), [d for d in decisions if d.eligible]),
            (_("Did not meet the 80/20 rule"), [d for d in decisions if not d.eligible]),
        ] if decisions else [],
        "eligible_count": sum(1 for d in decisions if d.eligible),
        "failed_count": sum(1 for d in decisions if not d.eligible),
        "ranking": ranking_of(programme),
        "score_groups": [
            (nomination, [(result, [result.means.get(c.pk) for c in criteria])
                          for result in group])
            for nomination, group in groups],
        "any_tied": any(result.tied for result in rows),
        "tie_breaks": tie_breaks,
        "decision_groups": [
            {"nomination": nomination,
             "finalists": [r for r in group if r.application.pk in finalist_ids],
             "not_selected": [r for r in group
                              if r.application.status == Status.NOT_SELECTED],
             "undecided": [r for r in group if r.application.status == Status.ELIGIBLE]}
            for nomination, group in groups],
        "laureates": _supporting_laureates(programme),
        "chairs": chairs,
        "signatories": others,
    }


def render_protocol(programme, options, progress):
    """The minutes of the jury as PDF, in the active language: the sittings and
    who attended, the conflicts of interest, the 80/20 results, the scores table, the
    decisions, the supporting-organisation laureates and the signature lines."""
    progress(0, 2, _("Minutes of the jury sitting"))
    context = protocol_context(programme)
    progress(1, 2, _("Minutes of the jury sitting"))
    content = render_pdf("jury/pdf/protocol.html", context)
    progress(2, 2, _("Minutes of the jury sitting"))
    return f"jury-protocol-{programme.year}.pdf", CONTENT_TYPES[PDF], content


def sealed_from_its_jurors(user, programme):
    """The scores and the minutes carry every juror's scores and comments, those on the
    applications a juror abstains on among them: a juror of ``programme`` (staff too) reads
    neither before its results are applied, as the admin shows a staff juror no other juror's
    sheet (``ozgeris.reader_seats``)."""
    return (models.JuryMember.objects.filter(programme=programme, user_id=user.pk).exists()
            and not results_applied(programme))


register_exporter("jury-protocol", title=gettext_lazy("Minutes of the jury"),
                  formats=["pdf"], render=render_protocol, sealed_for=sealed_from_its_jurors)
register_exporter("scores", title=gettext_lazy("Jury scores"), formats=["xlsx"],
                  render=render_scores, sealed_for=sealed_from_its_jurors)
register_exporter("finalists", title=gettext_lazy("Finalists"), formats=["xlsx"],
                  render=render_finalists, personal_data=False)
register_exporter("jury-members", title=gettext_lazy("Jury members"), formats=["xlsx"],
                  render=render_jury_members)
