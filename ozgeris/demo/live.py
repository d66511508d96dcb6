"""A live edition to try: this year's programme, copied from the 2019 demo through
``copy_programme``, with its stages set around today so that a newcomer can apply (``intake``),
score (``jury``), vote (``voting``) or read the results (``results``) on a running portal.

The 2019 demo stays as its report describes it; the live edition is a separate programme
(this year's), published, and so the one the public site shows. Its title says it is the
demo's.

Moving dates is not enough to try a phase, so each app adds what the phase needs through its
registered live step (``ozgeris.registries.live_steps``, run with each app's own services):
the applications a jury scores, the seated jury, finalists with public pages and an
open vote, released results. The phases are reached in order: asking for ``results`` on a
fresh edition runs the jury's and the vote's steps first, each with the programme's dates
set for its phase, so that every service sees the moment it expects. Content is only ever
added: going back to an earlier phase moves the dates and keeps what is there, until the vote
has opened; after that going back is refused (the votes are dated inside their window, and a
window moved away from them, or reopened after its close, would fail the ledger's
verification).
"""

from datetime import datetime, time, timedelta
from time import sleep

from django.db.models import Max
from django.db.models.functions import Now
from django.utils import timezone

from ..models import OutboxMessage, Programme
from ..registries import live_steps, ordered
from ..services import copy_programme
from .programme import DEMO_EMAIL_DOMAINS, facts

# Each stage's first and last day, counted from today (Almaty), for each phase: the phase's
# own stage is under way today and the others are where they would be in a real season.
PHASES = {
    "intake": {"intake": (-10, 20), "scoring": (21, 35), "voting": (45, 60), "ceremony": 75},
    "jury": {"intake": (-40, -5), "scoring": (-3, 14), "voting": (20, 35), "ceremony": 50},
    "voting": {"intake": (-60, -30), "scoring": (-28, -14), "voting": (-2, 14), "ceremony": 30},
    "results": {"intake": (-90, -60), "scoring": (-58, -44), "voting": (-30, 0), "ceremony": 7},
}
OPENS, CLOSES, CEREMONY = time(9, 0), time(23, 59, 59), time(18, 0)
# The demo's mark on the live edition's title, per language.
DEMO_MARKS = {"ru": " (демо)", "kk": " (демо)", "en": " (demo)"}
NOT_SENT = "demo data: not sent"
CLOCK_TICK = timedelta(milliseconds=1)


def stage_dates(phase, now=None):
    """The programme's stage fields for ``phase``: a stage opens at 09:00 on its first day
    and closes at 23:59:59 on its last, Almaty time. In the results phase the vote closes at
    ``now``: the demo's votes were cast moments before (the database dates a vote by its own
    clock), and a vote cast after its window's close would not verify: ``now`` unset is the
    database's clock too."""
    now = now or _database_now()
    today = timezone.localdate(now)
    plan = PHASES[phase]

    def at(days, moment):
        return timezone.make_aware(datetime.combine(today + timedelta(days=days), moment))

    dates = {"ceremony_at": at(plan["ceremony"], CEREMONY)}
    for stage in ("intake", "scoring", "voting"):
        first, last = plan[stage]
        dates[f"{stage}_opens_at"] = at(first, OPENS)
        dates[f"{stage}_closes_at"] = at(last, CLOSES)
    if phase == "results":
        # A tick of the clock later: SQLite's counts milliseconds, and a vote cast in the
        # millisecond read here is dated with it, which is not before a close at ``now``.
        dates["voting_closes_at"] = now + CLOCK_TICK
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
    # A vote that has closed keeps its window on a second run: its votes, and the head
    # published after its close, are dated by it.
    closed_before = False
    if programme is None:
        programme = copy_programme(source_year=source_year, target_year=year)
        for language, mark in DEMO_MARKS.items():
            setattr(programme, f"title_{language}",
                    getattr(programme, f"title_{language}") + mark)
        log(f"programme {year}: copied from {source_year}")
    else:
        database_now = now or _database_now()
        _refuse_going_back(programme, phase, database_now)
        closed_before = programme.voting_closes_at <= database_now
    programme.is_published = True
    last_message = OutboxMessage.objects.aggregate(last=Max("id"))["last"] or 0
    # Each phase's stages are set before its steps run, and not again after them: the results
    # phase closes the vote at the moment it is set, and its steps publish the head after that.
    reached_phases = list(PHASES)[1:list(PHASES).index(phase) + 1]
    for reached in reached_phases:
        if not closed_before:
            _set_stages(programme, reached, now)
            if reached == "results" and now is None:
                _wait_for_the_close(programme)
        for step in ordered(live_steps):
            step.run(programme=programme, phase=reached, log=log)
    if not reached_phases or closed_before:
        _set_stages(programme, phase, now, keep_vote=closed_before)
    _mark_demo_mail_not_sent(after=last_message)
    log(f"programme {year}: stages set for the {phase} phase (today: "
        f"{programme.current_stage(now)})")
    return programme


def _database_now():
    """The database's clock (``Now()``), by which the vote dates its votes and decides that it
    is open or closed (voting.services): the stages are set by it, so that a process clock
    running ahead never closes the vote in the database's future, nor one running behind
    before the votes just cast."""
    return Programme.objects.annotate(db_now=Now()).values_list("db_now", flat=True)[:1].get()


def _wait_for_the_close(programme):
    """Until the database's clock has passed the close just set (a tick ahead): the results
    phase's steps publish the head of a vote that has closed."""
    for _attempt in range(100):
        if _database_now() >= programme.voting_closes_at:
            return
        sleep(CLOCK_TICK.total_seconds())


def _mark_demo_mail_not_sent(*, after):
    """The steps queued mail to the demo's organisations and voters (confirmations,
    decisions): none of it is news to anyone, so it is marked sent with ``NOT_SENT``. Only
    messages written to demo accounts alone: a real message queued by the running portal
    while the steps ran comes after ``after`` too, and must still go out."""
    queued = OutboxMessage.objects.filter(id__gt=after, sent_at__isnull=True)
    demo_only = [message.id for message in queued.only("id", "to")
                 if message.to and all(_is_demo_address(address) for address in message.to)]
    OutboxMessage.objects.filter(id__in=demo_only).update(
        sent_at=timezone.now(), last_error=NOT_SENT)


def _is_demo_address(address):
    return address.rpartition("@")[2].lower() in DEMO_EMAIL_DOMAINS


def _refuse_going_back(programme, phase, now):
    order = list(PHASES)
    opened, closed = programme.voting_opens_at <= now, programme.voting_closes_at <= now
    if (opened and order.index(phase) < order.index("voting")) or (closed and phase != "results"):
        raise ValueError(
            f"The live edition's vote has {'closed' if closed else 'opened'}: its votes are "
            f"dated inside its window, so it cannot go back to the {phase} phase. Start again "
            "from an empty database to try that phase.")


def _set_stages(programme, phase, now, keep_vote=False):
    for field, value in stage_dates(phase, now).items():
        if not (keep_vote and field.startswith("voting_")):
            setattr(programme, field, value)
    programme.save()
