"""Shared test set-up.

How a test gets the 2019 demo
-----------------------------
The test database starts empty (migrations only): a test builds the few rows it needs
(``make_user``, ``open_programme``, ``programme``, ``vote_programme``, ``tests/factories.py``).
A test that reads the demo (that it reproduces 2019, or pages and exports over its data)
requests the ``demo_programme`` fixture (``@pytest.mark.usefixtures("demo_programme")`` for a
whole module or class). The demo (``seed_demo``: 2,047 voters, 5,133 visitors, the PDFs) is
then loaded once per process, the first time a test asks for it, outside every test's
transaction, and stays for the tests after it: a test that does not ask for it may find it
there or not, and must not depend on either. A transactional test ends with a flush that
empties the database; the next test that asks for the demo loads it again (pytest-django runs
the transactional tests after the others, so that happens only among them).

Other set-up
------------
* Celery runs inline in tests (the drills that need a real worker start their own).
* ``@pytest.mark.postgres`` tests are skipped, with the reason, on SQLite.
* ``make test`` runs the suite in parallel processes (pytest-xdist): each has its own test
  database, media folder and cache key prefix (tests/isolation.py).
"""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from ozgeris.celery import app as celery_app

from .isolation import empty_the_cache, separate_the_workers_caches


def pytest_configure(config):
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    # Hashing passwords properly is slow on purpose; tests need it to be fast, not strong.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    separate_the_workers_caches(settings)


def pytest_collection_modifyitems(config, items):
    if settings.USING_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the second CI pass (DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _media_in_a_temporary_folder(tmp_path_factory):
    """Uploads made by the tests (the demo's included) never land in the developer's var/."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_media_in_a_temporary_folder, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _let_flush_truncate()


def _let_flush_truncate():
    """On PostgreSQL the vote's insert-only tables refuse TRUNCATE (voting migration 0010)
    unless ``ozgeris.allow_truncate`` is on, and Django's flush after each transactional test
    truncates every table: the test database, and only it, gets the setting. It applies to the
    sessions opened after it, so the current connection is closed."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {name} SET ozgeris.allow_truncate = on")
    connection.close()


def _seed_demo_unless_present():
    from ozgeris.models import Programme

    if not Programme.objects.filter(year=2019).exists():
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())


@pytest.fixture(scope="module")
def _demo_committed(django_db_setup, django_db_blocker):
    """The demo loaded and committed before the module's tests open their transactions
    (a module-scoped fixture is set up before any test's own): it then outlives each test."""
    with django_db_blocker.unblock():
        _seed_demo_unless_present()


@pytest.fixture
def demo_programme(_demo_committed, db):
    """The 2019 demo programme (see the module docstring). Loaded again here only when a
    transactional test earlier in the same module flushed it."""
    from ozgeris.models import Programme

    _seed_demo_unless_present()
    return Programme.objects.get(year=2019)


@pytest.fixture(autouse=True)
def _fresh_cache_and_language(settings):
    """Each test starts with an empty cache (rate limits), nothing remembered in the process
    (the ballot's facts, ozgeris.memo) and the default language."""
    from django.utils import translation

    from ozgeris import memo

    empty_the_cache()
    memo.forget()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def english():
    """The test runs in English, for a module that matches messages in English (the catalogues
    are checked in test_translations): ``pytestmark = pytest.mark.usefixtures("english")``."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(client):
    """The test client asks for English pages (the language cookie wins over a profile's
    language), for a module that matches page texts in English:
    ``pytestmark = pytest.mark.usefixtures("english_pages")``."""
    client.cookies["ozgeris_language"] = "en"


@pytest.fixture
def media(settings, tmp_path):
    """A MEDIA_ROOT of the test's own, so "nothing stored" means an empty folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_user(db):
    from allauth.account.models import EmailAddress

    from ozgeris.models import User

    def make(email="person@example.kz", password="Correct-horse-7", verified=True, **fields):
        user = User.objects.create_user(email=email, password=password, **fields)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@pytest.fixture
def open_programme(db):
    """A programme whose application window is open now (closes in ten days)."""
    from ozgeris.models import Nomination
    from tests.factories import intake_open_programme

    programme = intake_open_programme(2031)
    for order, code in enumerate(["education", "health", "ecology"], start=1):
        Nomination.objects.create(programme=programme, code=code, order=order,
                                  title_ru=code, title_kk=code, title_en=code)
    Nomination.objects.create(programme=programme, code="csr", kind="supporting",
                              title_ru="КСО", title_kk="КӘЖ", title_en="CSR")
    return programme


@pytest.fixture
def programme(open_programme):
    """A programme in its jury stage (applications closed) with the two default criteria."""
    from datetime import timedelta

    from django.utils import timezone

    from jury.copying import ensure_default_criteria

    now = timezone.now()
    open_programme.intake_opens_at = now - timedelta(days=30)
    open_programme.intake_closes_at = now - timedelta(days=2)
    open_programme.scoring_opens_at = now - timedelta(days=1)
    open_programme.scoring_closes_at = now + timedelta(days=5)
    open_programme.save()
    ensure_default_criteria(open_programme)
    return open_programme


@pytest.fixture
def make_staff(make_user):
    """A member of the programme staff (with admin access), of ``email``."""
    from django.contrib.auth.models import Group

    def make(email="staff@example.kz"):
        user = make_user(email=email, is_staff=True)
        user.groups.add(Group.objects.get(name="Programme staff"))
        return user

    return make


@pytest.fixture
def staff(make_staff):
    """A member of the programme staff (with admin access)."""
    return make_staff()


@pytest.fixture
def observer(make_user):
    """The donor's officer: the read-only Observer seat (ozgeris/reader_seats.py)."""
    from django.contrib.auth.models import Group

    from ozgeris.permissions import OBSERVER_GROUP

    user = make_user(email="officer@donor.kz")
    user.groups.add(Group.objects.get(name=OBSERVER_GROUP))
    return user


@pytest.fixture
def auditor(make_user):
    """An independent auditor: the read-only Auditor seat."""
    from django.contrib.auth.models import Group

    from ozgeris.permissions import AUDITOR_GROUP

    user = make_user(email="auditor@audit.kz")
    user.groups.add(Group.objects.get(name=AUDITOR_GROUP))
    return user


# The public vote

@pytest.fixture
def vote_programme(open_programme):
    """The 2031 programme with its public vote open now (by the database clock too)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    open_programme.voting_opens_at = now - timedelta(hours=1)
    open_programme.voting_closes_at = now + timedelta(days=3)
    open_programme.scoring_closes_at = now - timedelta(hours=2)
    open_programme.scoring_opens_at = now - timedelta(days=2)
    open_programme.intake_closes_at = now - timedelta(days=3)
    open_programme.intake_opens_at = now - timedelta(days=30)
    open_programme.save()
    return open_programme


@pytest.fixture
def finalists(vote_programme):
    from tests.factories import ApplicationFactory

    nomination = vote_programme.nominations.get(code="education")
    return [ApplicationFactory(programme=vote_programme, status="finalist",
                               nomination=nomination) for _ in range(3)]


@pytest.fixture
def voter(make_user):
    return make_user(email="voter@example.kz")


@pytest.fixture
def meeting(demo_programme):
    """An information meeting of the 2019 programme (Atyrau, 18 September) with an empty
    roster."""
    import datetime

    from events.models import InfoMeeting
    from ozgeris.models import Region

    return InfoMeeting.objects.create(programme=demo_programme, city="Атырау",
                                      region=Region.objects.get(code="atyrau"),
                                      held_on=datetime.date(2019, 9, 18), venue="Коворкинг")


@pytest.fixture
def cast(django_capture_on_commit_callbacks, make_user):
    """cast(finalist, n): n new verified voters, each with a name, vote for ``finalist``; the
    ledger is sealed and the receipts queued (on-commit callbacks run). Returns the ballots."""
    from voting import services

    counter = iter(range(10_000))

    def vote(finalist, n=1):
        ballots = []
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(n):
                person = make_user(email=f"v{next(counter)}@example.kz",
                                   display_name="Дана Сайлаушы")
                ballots.append(services.cast_vote(voter=person, finalist=finalist))
        return ballots

    return vote
