"""The jury's results, computed in one place for the panel, the protocol and the exports.

Per application: the mean of each criterion over the submitted sheets of jurors not in
conflict with it, the weighted total, the number of sheets, the spread (lowest and highest
score), the rank within its nomination; the same on normalised scores beside the raw ones.

Normalisation keeps one lenient or harsh juror from deciding the order: for juror j and
criterion c, z = (x − mean_jc) / sd_jc over j's submitted scores on c, and the normalised
score is mean_c + z · sd_c over all jurors' scores on c, clamped to 1–5. A juror with no
spread (sd 0) or fewer than three scores on c gets z = 0. Standard deviations are of the
population.

Ranking: by total (raw or normalised, as the programme chose), then a larger share of top
scores (5s), then the chair's recorded tie-break; applications still equal share a rank and
are flagged.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import fmean, pstdev

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, Q

from applications.models import Application, Status

from .models import SCORE_MAX, SCORE_MIN, Conflict, Criterion, JurySettings, Score, ScoreSheet

MIN_SCORES_TO_NORMALISE = 3
NO_PRIORITY = 1 << 16  # after every recorded tie-break priority (at most 32767)


@dataclass
class Result:
    application: Application
    sheets: int = 0
    means: dict = field(default_factory=dict)             # criterion id → raw mean
    normalised_means: dict = field(default_factory=dict)  # criterion id → normalised mean
    total: float | None = None
    normalised_total: float | None = None
    lowest: int | None = None
    highest: int | None = None
    top_scores: int = 0
    rank: int | None = None
    raw_rank: int | None = None
    normalised_rank: int | None = None
    tied: bool = False


# The jury's decision on the finalists (jury.services.apply_cut): once an application of the
# edition carries one of these, the results are applied. Before that no rank or total leaves
# the jury: not to the read-only seats' pages, not into a draft report.
CUT_STATUSES = (Status.FINALIST, Status.NOT_SELECTED, Status.WINNER)


def results_applied(programme):
    return Application.objects.filter(programme=programme, status__in=CUT_STATUSES).exists()


def counted_sheets(programme):
    """Submitted sheets whose juror is not in conflict with the application."""
    conflicted = Conflict.objects.filter(
        juror=OuterRef("juror"), application=OuterRef("application"),
    ).excluding()
    return ScoreSheet.objects.filter(
        application__programme=programme, state=ScoreSheet.State.SUBMITTED,
    ).exclude(Exists(conflicted))


def counted_scores(programme):
    """The scores of ``counted_sheets``: what the results are computed from."""
    return Score.objects.filter(sheet__in=counted_sheets(programme))


def _normalised(rows, criteria):
    """{(application id, criterion id): [normalised scores]} from (app, juror, crit, value)."""
    by_juror = defaultdict(list)
    by_criterion = defaultdict(list)
    for _application_id, juror_id, criterion_id, value in rows:
        by_juror[juror_id, criterion_id].append(value)
        by_criterion[criterion_id].append(value)
    overall = {c: (fmean(v), pstdev(v)) for c, v in by_criterion.items()}
    juror_stats = {key: (fmean(v), pstdev(v), len(v)) for key, v in by_juror.items()}
    normalised = defaultdict(list)
    for application_id, juror_id, criterion_id, value in rows:
        mean_j, sd_j, count = juror_stats[juror_id, criterion_id]
        z = 0.0 if sd_j == 0 or count < MIN_SCORES_TO_NORMALISE else (value - mean_j) / sd_j
        mean_c, sd_c = overall[criterion_id]
        score = min(SCORE_MAX, max(SCORE_MIN, mean_c + z * sd_c))
        normalised[application_id, criterion_id].append(score)
    return normalised


def _weighted(means, criteria):
    if not means or len(means) < len(criteria):
        return None
    return round(sum(float(c.weight) * means[c.pk] for c in criteria), 4)


def _rank(results, key, tie_breaks):
    """Rank within each nomination by ``key`` (higher first), then top scores, then the
    chair's tie-break. Returns {application id: (rank, tied)}."""
    ranks = {}
    by_nomination = defaultdict(list)
    for result in results:
        if getattr(result, key) is not None:
            by_nomination[result.application.nomination_id].append(result)
    for group in by_nomination.values():
        keyed = []
        for result in group:
            priority = tie_breaks.get(result.application.pk)
            # The share of top scores, not their number: an application with fewer sheets
            # (a juror abstained) is not penalised.
            top_share = result.top_scores / max(1, result.sheets * len(result.means or [1]))
            keyed.append(((-getattr(result, key), -top_share,
                           priority if priority is not None else NO_PRIORITY), result))
        keyed.sort(key=lambda pair: pair[0])
        sizes = Counter(order for order, _result in keyed)
        position, previous = 0, None
        for index, (order, result) in enumerate(keyed, start=1):
            if order != previous:
                position = index
            ranks[result.application.pk] = (position, sizes[order] > 1)
            previous = order
    return ranks


def results(programme):
    """Results for every scored application of the programme, in nomination and rank order.
    A fixed number of queries whatever the number of applications."""
    from .models import TieBreak

    criteria = list(Criterion.objects.filter(programme=programme))
    applications = list(
        Application.objects.filter(programme=programme).eligible()
        .select_related("organisation", "nomination", "programme")
        .order_by("nomination__order", "organisation__name"))
    scores = counted_scores(programme)
    aggregates = scores.values("sheet__application_id", "criterion_id").annotate(
        mean=Avg("value"), low=Min("value"), high=Max("value"),
        tops=Count("id", filter=Q(value=SCORE_MAX)))
    sheets = dict(scores.values("sheet__application_id")
                  .annotate(n=Count("sheet_id", distinct=True))
                  .values_list("sheet__application_id", "n"))
    rows = list(scores.values_list("sheet__application_id", "sheet__juror_id", "criterion_id",
                                   "value"))
    normalised = _normalised(rows, criteria)
    tie_breaks = dict(TieBreak.objects.filter(application__programme=programme)
                      .values_list("application_id", "priority"))

    by_id = {application.pk: Result(application=application) for application in applications}
    for row in aggregates:
        result = by_id.get(row["sheet__application_id"])
        if result is None:
            continue
        result.means[row["criterion_id"]] = float(row["mean"])
        result.lowest = row["low"] if result.lowest is None else min(result.lowest, row["low"])
        result.highest = (row["high"] if result.highest is None
                          else max(result.highest, row["high"]))
        result.top_scores += row["tops"]
    for (application_id, criterion_id), values in normalised.items():
        if application_id in by_id:
            by_id[application_id].normalised_means[criterion_id] = fmean(values)
    for result in by_id.values():
        result.sheets = sheets.get(result.application.pk, 0)
        result.total = _weighted(result.means, criteria)
        result.normalised_total = _weighted(result.normalised_means, criteria)

    ordered = list(by_id.values())
    raw = _rank(ordered, "total", tie_breaks)
    norm = _rank(ordered, "normalised_total", tie_breaks)
    use_normalised = (JurySettings.objects.filter(programme=programme)
                      .values_list("ranking", flat=True).first()
                      == JurySettings.Ranking.NORMALISED)
    for result in ordered:
        result.raw_rank, raw_tied = raw.get(result.application.pk, (None, False))
        result.normalised_rank, norm_tied = norm.get(result.application.pk, (None, False))
        result.rank, result.tied = ((result.normalised_rank, norm_tied) if use_normalised
                                    else (result.raw_rank, raw_tied))
    ordered.sort(key=lambda r: (r.application.nomination.order,
                                r.rank if r.rank is not None else 10_000,
                                r.application.organisation.name))
    return ordered
