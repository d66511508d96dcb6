"""A live edition to try: this year's programme, copied from the 2019 demo through
``copy_programme``, with its stages set around today so that a newcomer can apply (``intake``),
score (``jury``), vote (``voting``) or read the results (``results``) on a running portal.

The 2019 demo stays as its report describes it; the live edition is a separate programme
(this year's), published, and so the one the public site shows.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from ..models import Programme
from ..services import copy_programme
from .programme import facts

# Each stage's first and last day, counted from today (Almaty), for each phase: the phase's
# own stage is under way today and the others are where they would be in a real season.
PHASES = {
    "intake": {"intake": (-10, 20), "scoring": (21, 35), "voting": (45, 60), "ceremony": 75},
    "jury": {"intake": (-40, -5), "scoring": (-3, 14), "voting": (20, 35), "ceremony": 50},
    "voting": {"intake": (-60, -30), "scoring": (-28, -14), "voting": (-2, 14), "ceremony": 30},
    "results": {"intake": (-90, -60), "scoring": (-58, -44), "voting": (-30, -3), "ceremony": 7},
}
OPENS, CLOSES, CEREMONY = time(9, 0), time(23, 59, 59), time(18, 0)


def stage_dates(phase, now=None):
    """The programme's stage fields for ``phase``: a stage opens at 09:00 on its first day
    and closes at 23:59:59 on its last, Almaty time."""
    today = timezone.localdate(now or timezone.now())
    plan = PHASES[phase]

    def at(days, moment):
        return timezone.make_aware(datetime.combine(today + timedelta(days=days), moment))

    dates = {"ceremony_at": at(plan["ceremony"], CEREMONY)}
    for stage in ("intake", "scoring", "voting"):
        first, last = plan[stage]
        dates[f"{stage}_opens_at"] = at(first, OPENS)
        dates[f"{stage}_closes_at"] = at(last, CLOSES)
    return dates


def live_edition_exists(now=None):
    return Programme.objects.filter(year=timezone.localdate(now or timezone.now()).year).exists()


def live_edition(*, phase, now=None, log=print):
    """This year's edition in ``phase``: copied from the demo's year when it does not exist,
    then published with its stages around today. Returns the programme."""
    year = timezone.localdate(now or timezone.now()).year
    source_year = facts()["programme"]["year"]
    if year <= source_year:
        raise ValueError(f"The live edition must come after the demo's {source_year}.")
    programme = Programme.objects.filter(year=year).first()
    if programme is None:
        programme = copy_programme(source_year=source_year, target_year=year)
        log(f"programme {year}: copied from {source_year}")
    for field, value in stage_dates(phase, now).items():
        setattr(programme, field, value)
    programme.is_published = True
    programme.save()
    log(f"programme {year}: stages set for the {phase} phase (today: "
        f"{programme.current_stage(now)})")
    return programme
