"""The jury's part of the live edition to try (``ozgeris.demo.live``).

* Jury phase: the 2019 jury is seated on the live edition through ``seat_juror`` (same
  people, roles and affiliations) and the 80/20 gate decides the screened applications
  (``decide_eligibility``), so every demo juror finds eligible applications to score.
* Voting phase: every seated juror submits a sheet for each application still unscored
  (``save_sheet``, dated inside the jury stage; a sheet the newcomer already submitted is
  kept), the cut makes the upper half finalists (``apply_cut``), and each finalist's public
  profile is published from its application (``update_profile``, ``approve_profile``), so
  the finalists have public pages.

A second run adds nothing: seats, decisions, sheets and profiles already there are kept.
"""

from datetime import timedelta

from applications import services as applications
from applications.models import Application, Status
from ozgeris.demo.programme import facts as programme_facts
from ozgeris.models import Programme, User

from .. import configuration, services
from ..models import Criterion, JuryMember, JurySettings, ScoreSheet
from ..results import results

# The scores a demo juror gives, by the application's and the juror's place: varied enough
# that the cut has an upper half, and the same on every run.
SCORES = (5, 4, 3, 4, 2)


def run(*, programme, phase, log=print):
    staff = User.objects.get(email=programme_facts()["demo_accounts"]["staff"]["email"])
    if phase == "jury":
        seated = _seat_jury(programme, staff)
        eligible, failed = services.decide_eligibility(programme=programme, by=staff)
        log(f"jury {programme.year}: {seated} jurors seated, {eligible} eligible, "
            f"{failed} failed 80/20")
    elif phase == "voting":
        sheets = _score(programme)
        finalists, not_selected = _cut(programme, staff)
        published = _publish_profiles(programme, staff)
        log(f"jury {programme.year}: {sheets} sheets submitted, {finalists} finalists, "
            f"{not_selected} not selected, {published} public profiles")


def _seat_jury(programme, staff):
    source = Programme.objects.get(year=programme_facts()["programme"]["year"])
    seated = set(JuryMember.objects.filter(programme=programme).values_list("user_id",
                                                                            flat=True))
    count = 0
    for member in JuryMember.objects.filter(programme=source).order_by("order", "pk"):
        if member.user_id in seated:
            continue
        configuration.seat_juror(by=staff, member=JuryMember(
            programme=programme, user=member.user, role=member.role,
            affiliation=member.affiliation, email_domain=member.email_domain,
            order=member.order))
        count += 1
    return count


def _score(programme):
    """Every seated juror's sheet on every eligible application they may score and have not
    submitted, dated on the jury stage's first day."""
    moment = programme.scoring_opens_at + timedelta(hours=2)
    criteria = list(Criterion.objects.filter(programme=programme))
    submitted = set(ScoreSheet.objects.filter(
        application__programme=programme, state=ScoreSheet.State.SUBMITTED,
    ).values_list("juror_id", "application_id"))
    eligible = list(Application.objects.filter(programme=programme, status=Status.ELIGIBLE)
                    .select_related("programme", "organisation")
                    .order_by("nomination__order", "organisation__name"))
    count = 0
    for seat, juror in enumerate(JuryMember.objects.filter(programme=programme)
                                 .select_related("user").order_by("order", "pk")):
        for place, application in enumerate(eligible):
            if ((juror.pk, application.pk) in submitted
                    or not services.can_score(juror, application)):
                continue
            value = SCORES[(place + seat) % len(SCORES)]
            services.save_sheet(juror=juror, application=application, submit=True,
                                by=juror.user, now=moment,
                                values={c.pk: (value, "") for c in criteria})
            count += 1
    return count


def _cut(programme, staff):
    """The cut at the median total: the upper half (ties included) become finalists."""
    normalised = services.settings_for(programme).ranking == JurySettings.Ranking.NORMALISED
    totals = sorted((row.normalised_total if normalised else row.total)
                    for row in results(programme)
                    if row.application.status == Status.ELIGIBLE)
    if not totals:
        return 0, 0
    return services.apply_cut(programme=programme, by=staff, threshold=totals[len(totals) // 2],
                              now=programme.scoring_closes_at - timedelta(hours=1))


def _publish_profiles(programme, staff):
    """Each finalist's public text, from its application, published as staff would."""
    count = 0
    for application in Application.objects.finalists(programme).filter(
            profile_approved_at__isnull=True):
        application.public_text_ru = application.public_text_ru or application.solution
        applications.update_profile(application=application, by=staff)
        application.refresh_from_db()
        applications.approve_profile(application=application, by=staff,
                                     seen_version=application.profile_updated_at.isoformat())
        count += 1
    return count
