"""Put the journeys' programme (2031, the current one on the public site) in the stage each
journey needs, through the ORM of the test process (after conftest's ``django.setup()``).

The applications-open dates are tests/factories.py's ``OPEN_STAGE_DAYS`` (as in the
``open_programme`` fixture), the later stages follow tests/conftest.py's ``programme`` and
``vote_programme`` fixtures; the people and applications come from tests/factories.py.
"""

from datetime import timedelta

YEAR = 2031
PASSWORD = "Kokpar-Tulpar-2031!"  # noqa: S105 - the test accounts' password


def programme():
    """The 2031 programme (created at the first call) with its nominations and criteria."""
    from jury.copying import ensure_default_criteria
    from ozgeris.models import Nomination, Programme
    from tests.factories import intake_open_programme

    existing = Programme.objects.filter(year=YEAR).first()
    if existing:
        return existing
    created = intake_open_programme(YEAR)
    titles = {"education": ("Образование", "Білім"), "health": ("Здоровье", "Денсаулық"),
              "ecology": ("Экология", "Экология")}
    for order, (code, (ru, kk)) in enumerate(titles.items(), start=1):
        Nomination.objects.create(programme=created, code=code, order=order, title_ru=ru,
                                  title_kk=kk, title_en=code.title())
    Nomination.objects.create(programme=created, code="csr", kind="supporting",
                              title_ru="КСО", title_kk="КӘЖ", title_en="CSR")
    ensure_default_criteria(created)
    return created


def _dates(**offsets):
    from django.utils import timezone

    now = timezone.now()
    current = programme()
    for name, delta in offsets.items():
        setattr(current, name, now + delta)
    current.save()
    return current


def intake():
    """Applications open now, for ten more days (the dates ``programme()`` starts with)."""
    from tests.factories import OPEN_STAGE_DAYS

    return _dates(**{stage: timedelta(days=days) for stage, days in OPEN_STAGE_DAYS.items()})


def jury():
    """Applications closed, the jury scoring (the ``programme`` fixture's dates)."""
    day = timedelta(days=1)
    return _dates(intake_opens_at=-30 * day, intake_closes_at=-2 * day,
                  scoring_opens_at=-1 * day, scoring_closes_at=5 * day,
                  voting_opens_at=30 * day, voting_closes_at=40 * day, ceremony_at=50 * day)


def vote():
    """The public vote open now, for three more days (the ``vote_programme`` fixture's)."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    return _dates(intake_opens_at=-30 * day, intake_closes_at=-3 * day,
                  scoring_opens_at=-2 * day, scoring_closes_at=-2 * hour,
                  voting_opens_at=-1 * hour, voting_closes_at=3 * day, ceremony_at=10 * day)


def vote_closed():
    """The public vote closed a minute ago; results not released yet."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    return _dates(intake_opens_at=-30 * day, intake_closes_at=-3 * day,
                  scoring_opens_at=-2 * day, scoring_closes_at=-2 * hour,
                  voting_opens_at=-1 * hour, voting_closes_at=-timedelta(minutes=1),
                  ceremony_at=10 * day)


# People -------------------------------------------------------------------------------

def person(email, display_name="", password=PASSWORD, **fields):
    """A verified account (as tests/conftest.py's ``make_user``), reused if it exists."""
    from allauth.account.models import EmailAddress

    from ozgeris.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password,
                                        display_name=display_name, **fields)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def staff_member():
    from django.contrib.auth.models import Group

    user = person("staff-e2e@ozgeris.example.kz", "Staff E2E", is_staff=True)
    user.groups.add(Group.objects.get(name="Programme staff"))
    return user


def seated_juror():
    """A juror on the 2031 jury, seated by staff through jury.configuration.seat_juror."""
    from jury.configuration import seat_juror
    from jury.models import JuryMember

    current = programme()
    user = person("juror-e2e@jury.example.kz", "Dana Juror")
    member = JuryMember.objects.filter(programme=current, user=user).first()
    if member is None:
        member = seat_juror(member=JuryMember(programme=current, user=user,
                                              affiliation="Independent"),
                            by=staff_member())
    return user


# Applications -------------------------------------------------------------------------

def applications(status, count=3, nomination="education"):
    """``count`` complete applications of 2031 in ``status`` (made with tests/factories.py)."""
    from applications.models import Application
    from tests.factories import COMPLETE_FIELDS, ApplicationFactory

    current = programme()
    made = []
    for number in range(count):
        application = ApplicationFactory(
            programme=current, status=status, nomination=current.nominations.get(code=nomination),
            **{**COMPLETE_FIELDS, "project_title": f"Проект E2E {status} {number + 1}"})
        made.append(application)
    return Application.objects.filter(pk__in=[a.pk for a in made])


def move(from_statuses, to_status):
    """Move every 2031 application in one of ``from_statuses`` to ``to_status``."""
    from applications.models import Application

    return Application.objects.filter(programme=programme(),
                                      status__in=from_statuses).update(status=to_status)
