"""Fault drills on the production stack (issue 8, "Scale out and faults"): PostgreSQL, and a
Redis server, a Celery worker and a gunicorn node each drill starts for itself on free ports
(tests/drill_stack.py) and stops by its own handle. The machine's shared Redis is never
touched, so a drill that fails leaves nothing broken for the tests after it.

The drills are transactional: what the test writes is committed, so the worker and the web
node (separate processes on the test database) see it. conftest.py runs Celery inline for
the other tests; here the ``portal_on_drill_redis`` fixture points the in-process cache and
Celery producer at the drill's Redis, and puts everything back afterwards.

Beat is not run (its drains come every 30 s): where a drill needs the periodic drain or seal,
it sends the task beat would send, as beat would.
"""

import http.client
import threading
import time
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.db import connection

from ozgeris.celery import app as celery_app

from .drill_stack import (
    CeleryWorker,
    RedisServer,
    WebNode,
    mail_count,
    sent_mail,
    stack_environment,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CACHE_PREFIX = "ozgeris-drill"
DRAIN_SECONDS = 30  # how long a drill waits for the worker (reconnecting to Redis included)


def _reset_producer_pool():
    """Forget Celery's broker connections (as Celery does after a fork) so that the next
    publish connects to the broker now configured."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    try:
        celery_app.__dict__["amqp"]._producer_pool = None
    except KeyError:
        pass


@pytest.fixture
def drill_dir(tmp_path):
    (tmp_path / "logs").mkdir()
    return tmp_path


@pytest.fixture(autouse=True)
def _no_connection_left_behind():
    """After a drill (its worker and web node stopped, its threads done) nothing but the test
    itself is connected to the test database: no process or thread left a connection open."""
    yield

    def others():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND pid <> pg_backend_pid()")
            return cursor.fetchone()[0]

    wait_until(lambda: others() == 0, "every other connection to the test database closed",
               timeout=15)


@pytest.fixture
def redis_server(drill_dir):
    server = RedisServer(drill_dir / "logs")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def portal_on_drill_redis(redis_server):
    """The test process's cache (fail-open, as in production) and Celery producer on the
    drill's Redis, with tasks sent to the broker rather than run inline; restored after."""
    from django.core.cache import caches
    from django.test import override_settings

    caches_setting = {"default": {
        "BACKEND": "ozgeris.cache.FailOpenRedisCache",
        "LOCATION": redis_server.url,
        "KEY_PREFIX": CACHE_PREFIX,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
    saved = {name: celery_app.conf[name] for name in
             ("task_always_eager", "broker_url", "broker_read_url", "broker_write_url")}
    with override_settings(CACHES=caches_setting, REDIS_URL=redis_server.url,
                           CELERY_BROKER_URL=redis_server.url):
        try:
            _reset_producer_pool()
            celery_app.conf.task_always_eager = False
            celery_app.conf.broker_url = redis_server.url
            celery_app.conf.broker_read_url = None
            celery_app.conf.broker_write_url = None
            yield redis_server
        finally:
            caches["default"].close()
            _reset_producer_pool()
            for name, value in saved.items():
                celery_app.conf[name] = value
    caches["default"].close()


@pytest.fixture
def stack_env(redis_server, drill_dir):
    return stack_environment(settings_dict=connection.settings_dict,
                             redis_url=redis_server.url, var_dir=drill_dir / "var",
                             cache_prefix=CACHE_PREFIX)


@pytest.fixture
def mail_dir(stack_env, drill_dir):
    return drill_dir / "var" / "mail"


@pytest.fixture
def worker(stack_env, drill_dir):
    """A Celery worker of the drill's own, not started yet (``worker.start()``)."""
    process = CeleryWorker(stack_env, drill_dir / "logs")
    try:
        yield process
    finally:
        process.stop()


def _beat(task, *args):
    """Send what beat sends on its schedule (the periodic drain or seal)."""
    task.delay(*args)


def _wait_all_sent(queryset, timeout=DRAIN_SECONDS, worker=None):
    def done():
        return not queryset.filter(sent_at__isnull=True).exists()

    try:
        wait_until(done, "every outbox message sent", timeout=timeout, interval=0.2)
    except AssertionError:
        if worker is not None:
            print(worker.log())
        raise


# Submissions -------------------------------------------------------------------------------

def _ngo_with_complete_application(programme, make_user, index):

    from .factories import complete_application, started_application

    member = make_user(email=f"ngo{index}@drill.example.kz", preferred_language="ru")
    application = started_application(programme, member)
    return member, complete_application(application, member)


def _confirmations(members):
    from ozgeris.models import OutboxMessage

    return OutboxMessage.objects.filter(purpose="applications:submitted",
                                        to__in=[[m.email] for m in members])


def test_worker_stopped_submissions_are_saved_and_confirmed_once_each_when_it_returns(
        open_programme, make_user, portal_on_drill_redis, worker, mail_dir):
    from applications import services
    from applications.models import Status
    from ozgeris.tasks import drain_outbox

    ngos = [_ngo_with_complete_application(open_programme, make_user, i) for i in range(3)]
    worker.start()
    worker.stop()  # the worker goes away (a deploy, a crash); the web keeps taking submissions

    for member, application in ngos:
        services.submit_application(application=application, by=member)
        time.sleep(0.4)  # spread over more than the 1 s drain throttle: several drains queued

    members = [member for member, _application in ngos]
    for _member, application in ngos:
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED
    confirmations = _confirmations(members)
    assert confirmations.count() == 3
    assert not confirmations.filter(sent_at__isnull=False).exists()
    assert portal_on_drill_redis.queue_length() >= 1  # the drains wait on the broker
    assert all(mail_count(mail_dir, m.email) == 0 for m in members)

    worker.start()
    _wait_all_sent(confirmations, worker=worker)
    _beat(drain_outbox)  # and a periodic drain after it: still nothing sent twice
    wait_until(portal_on_drill_redis.idle, "every drain run", timeout=DRAIN_SECONDS)

    assert [mail_count(mail_dir, m.email) for m in members] == [1, 1, 1]
    assert sorted(confirmations.values_list("attempts", flat=True)) == [1, 1, 1]


def test_redis_stopped_while_an_ngo_submits_the_confirmation_goes_out_once_after_it_returns(
        open_programme, make_user, portal_on_drill_redis, worker, mail_dir, client):
    from applications.forms import ApplicationForm
    from applications.models import Status
    from ozgeris.tasks import drain_outbox

    member, application = _ngo_with_complete_application(open_programme, make_user, 0)
    worker.start()
    redis = portal_on_drill_redis

    client.force_login(member)
    form = ApplicationForm(instance=application)
    data = {name: "" if form[name].value() is None else form[name].value()
            for name in form.fields}

    redis.stop()
    started = time.monotonic()
    # The form's "submit" button; after the commit the drain request fails (no broker).
    response = client.post(f"/apply/{application.pk}/", {**data, "submit": "1"})
    submit_seconds = time.monotonic() - started
    pages = [client.get(response["Location"]).status_code,
             client.get(f"/apply/{application.pk}/").status_code]

    application.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/apply/"
    assert application.status == Status.SUBMITTED
    assert application.versions.count() == 1
    # Measured, not asserted (timings belong to bench/): what must hold is above, the
    # submission stored and answered while the broker was gone.
    print(f"\ndrill: the submission took {submit_seconds:.1f} s with Redis stopped")
    assert pages == [200, 200]
    confirmation = _confirmations([member]).get()
    assert confirmation.sent_at is None

    redis.start()  # back, and empty: no task survived the outage
    _beat(drain_outbox)
    _wait_all_sent(_confirmations([member]), worker=worker)
    _beat(drain_outbox)
    wait_until(redis.idle, "every drain run", timeout=DRAIN_SECONDS)

    confirmation.refresh_from_db()
    assert confirmation.attempts == 1
    assert mail_count(mail_dir, member.email) == 1


# The vote ----------------------------------------------------------------------------------

def _receipt_code(response):
    assert response.status_code == 302, response.status_code
    location = urlparse(response["Location"])
    assert location.path == "/vote/receipt/"
    return parse_qs(location.query)["code"][0]


def test_redis_stopped_during_voting_votes_count_pages_render_and_nothing_is_missing_after(
        finalists, vote_programme, make_user, staff, portal_on_drill_redis, worker, mail_dir,
        client):
    from ozgeris.models import OutboxMessage
    from ozgeris.tasks import drain_outbox
    from voting import results
    from voting.models import LedgerEntry, Vote
    from voting.services import receipt_hash
    from voting.tasks import seal_ledger

    redis = portal_on_drill_redis
    voters = [make_user(email=f"voter{i}@drill.example.kz") for i in range(6)]
    worker.start()

    def vote(voter, finalist):
        client.force_login(voter)
        return _receipt_code(client.post(f"/vote/finalists/{finalist.pk}/vote/",
                                          {"age_bracket": "", "region": "", "website": ""}))

    codes = [vote(voters[0], finalists[0])]

    redis.stop()
    started = time.monotonic()
    codes += [vote(voter, finalists[i % 3]) for i, voter in enumerate(voters[1:4], start=1)]
    per_vote = (time.monotonic() - started) / 3
    # The database is the source of truth: every vote is stored with its receipt.
    assert Vote.objects.filter(programme=vote_programme).count() == 4
    for code in codes:
        assert Vote.objects.filter(receipt_hash=receipt_hash(code)).exists()
    print(f"\ndrill: {per_vote:.2f} s per vote with Redis stopped")  # measured, not asserted
    # Pages still render: the finalists (anonymous and signed in), a finalist, a receipt.
    assert client.get(f"/vote/receipt/?{urlencode({'code': codes[-1]})}").status_code == 200
    assert client.get(f"/vote/finalists/{finalists[0].pk}/").status_code == 200
    assert client.get("/vote/").status_code == 200
    client.logout()
    assert client.get("/vote/").status_code == 200
    # The live turnout falls back to the database: the cached tally reads the votes.
    assert sum(results.tally(vote_programme).values()) == 4
    client.force_login(staff)
    assert client.get(f"/vote/{vote_programme.year}/staff/").status_code == 200

    redis.start()  # back, empty: the seal and drain requests made during the outage are gone
    codes.append(vote(voters[4], finalists[1]))
    _beat(seal_ledger)
    _beat(drain_outbox)

    votes = Vote.objects.filter(programme=vote_programme)
    wait_until(lambda: LedgerEntry.objects.filter(programme=vote_programme).count() == 5,
               "every vote sealed in the ledger", timeout=DRAIN_SECONDS)
    receipts = OutboxMessage.objects.filter(purpose="voting:receipt")
    _wait_all_sent(receipts, worker=worker)
    _beat(drain_outbox)
    wait_until(redis.idle, "every drain and seal run", timeout=DRAIN_SECONDS)

    assert votes.count() == 5
    assert sum(results.tally(vote_programme, fresh=True).values()) == 5
    assert set(LedgerEntry.objects.filter(programme=vote_programme)
               .values_list("vote__receipt_hash", flat=True)) == {receipt_hash(c) for c in codes}
    assert receipts.count() == 5
    assert [mail_count(mail_dir, v.email) for v in voters[:5]] == [1] * 5
    assert set(receipts.values_list("attempts", flat=True)) == {1}


def test_redis_hung_during_voting_a_vote_is_accepted_and_the_breaker_opens(
        finalists, vote_programme, make_user, portal_on_drill_redis, client):
    """The cache's breaker stops asking a hung Redis after the first timeout, and a request
    publishes no task while it is open (the periodic tasks catch up)."""
    from django.core.cache import cache

    from ozgeris.cache import claim
    from voting.models import Vote
    from voting.services import receipt_hash

    voter = make_user(email="hung@drill.example.kz")
    client.force_login(voter)
    redis = portal_on_drill_redis
    redis.freeze()
    try:
        started = time.monotonic()
        code = _receipt_code(client.post(f"/vote/finalists/{finalists[0].pk}/vote/",
                                         {"age_bracket": "", "region": "", "website": ""}))
        seconds = time.monotonic() - started
    finally:
        redis.thaw()

    assert Vote.objects.filter(receipt_hash=receipt_hash(code)).exists()  # accepted, stored
    # The breaker is open: the cache is not asked again (no further socket timeout is paid)
    # and no request claims the right to publish a task to the hung broker.
    assert cache.is_down()
    assert claim("drill:after-the-hang", 60) is False
    print(f"\ndrill: the vote took {seconds:.1f} s while Redis hung")  # measured, not asserted


def _signed_in_voters(number):
    """``number`` verified voters, each with a session and a CSRF secret for raw HTTP."""
    from allauth.account.models import EmailAddress

    from ozgeris.models import User

    from .factories import signed_in_session

    voters = []
    for i in range(number):
        user = User.objects.create_user(email=f"load{i:04d}@drill.example.kz", password=None)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        voters.append(signed_in_session(user))
    return voters


def _post_vote(port, voter, finalist_pk, timeout=10):
    """One vote over HTTP: the receipt code when acknowledged (302 to the receipt), else the
    status or the error."""
    _pk, session_key, csrf = voter
    body = urlencode({"age_bracket": "", "region": "", "website": "",
                      "csrfmiddlewaretoken": csrf})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", f"/vote/finalists/{finalist_pk}/vote/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
        })
        response = conn.getresponse()
        response.read()
        location = urlparse(response.getheader("Location") or "")
        if response.status == 302 and location.path == "/vote/receipt/":
            return "acked", parse_qs(location.query)["code"][0]
        return "refused", response.status
    except (OSError, http.client.HTTPException) as error:
        return "cut", type(error).__name__
    finally:
        conn.close()


def test_a_web_process_killed_mid_load_loses_no_acknowledged_vote(
        finalists, vote_programme, portal_on_drill_redis, stack_env, drill_dir):
    from voting.models import Vote, VoterLink
    from voting.services import receipt_hash

    voters = _signed_in_voters(160)
    finalist_pks = [f.pk for f in finalists]
    node = WebNode(stack_env, drill_dir / "logs")
    outcomes = {}  # voter index -> (kind, detail)
    lock = threading.Lock()
    acked = threading.Semaphore(0)
    threads_number = 8

    def load(offset):
        for index in range(offset, len(voters), threads_number):
            outcome = _post_vote(node.port, voters[index], finalist_pks[index % 3])
            with lock:
                outcomes[index] = outcome
            if outcome[0] == "acked":
                acked.release()

    try:
        node.start()
        threads = [threading.Thread(target=load, args=(i,)) for i in range(threads_number)]
        for thread in threads:
            thread.start()
        for _ in range(40):  # in the middle of the load: after 40 acknowledged votes
            assert acked.acquire(timeout=DRAIN_SECONDS), f"votes not acknowledged: {outcomes}"
        node.kill()
        for thread in threads:
            thread.join(timeout=DRAIN_SECONDS)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        node.stop()

    acknowledged = {i: code for i, (kind, code) in outcomes.items() if kind == "acked"}
    cut = [i for i, (kind, _detail) in outcomes.items() if kind == "cut"]
    assert len(acknowledged) >= 40
    assert cut, "the kill came after the load ended: no request was cut"
    assert not [o for o in outcomes.values() if o[0] == "refused"]
    # Every acknowledged vote is in the database, linked to its voter with that receipt.
    for index, code in acknowledged.items():
        assert Vote.objects.filter(receipt_hash=receipt_hash(code)).exists(), index
        assert VoterLink.objects.filter(voter_id=voters[index][0], receipt_code=code).exists()

    # A new node: the voters whose answer was lost try again and are told their receipt.
    node = WebNode(stack_env, drill_dir / "logs")
    retried = {}

    def retry(offset):
        for index in range(offset, len(voters), threads_number):
            if index not in acknowledged:
                retried[index] = _post_vote(node.port, voters[index], finalist_pks[index % 3])

    try:
        node.start()
        threads = [threading.Thread(target=retry, args=(i,)) for i in range(threads_number)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DRAIN_SECONDS)
    finally:
        node.stop()
    assert len(retried) == len(voters) - len(acknowledged)
    assert {kind for kind, _code in retried.values()} == {"acked"}
    receipts = {**acknowledged, **{i: code for i, (_kind, code) in retried.items()}}
    assert Vote.objects.filter(programme=vote_programme).count() == len(voters)
    assert VoterLink.objects.filter(programme=vote_programme).count() == len(voters)
    for index, code in receipts.items():
        assert VoterLink.objects.filter(voter_id=voters[index][0], receipt_code=code).exists()


# The worker through Redis crashes (issue 14) -----------------------------------------------

OUTAGES = 3
CATCH_UP_SECONDS = 60  # after the last outage: every vote sealed and every receipt mailed


def test_a_channel_closed_after_its_transport_was_detached_fails_as_a_lost_connection(
        redis_server):
    """The kombu path that killed the worker (ozgeris/celery.py): a channel holding an
    unacknowledged message is closed after Connection.collect() detached its transport. The
    restore (and a late acknowledgement) must fail as a lost connection, which every caller
    handles, not with AttributeError ('... no attribute hostname'), which none does."""
    import kombu

    with kombu.Connection(redis_server.url) as conn:
        queue = kombu.Queue("issue14", kombu.Exchange("issue14"), routing_key="issue14")
        channel = conn.default_channel
        conn.Producer(channel).publish({"n": 1}, exchange=queue.exchange,
                                       routing_key="issue14", declare=[queue])
        taken = []
        consumer = conn.Consumer(queue, channel=channel,
                                 callbacks=[lambda _body, message: taken.append(message)])
        consumer.consume()
        conn.drain_events(timeout=5)
        assert len(taken) == 1 and not taken[0].acknowledged

        redis_server.stop()
        # What collect() leaves when another channel's close met the dead socket first: the
        # transport detached (client None), this channel still open with its message.
        conn._do_close_transport()
        conn.close()  # as Celery's consumer does next: no exception may escape

        assert channel.closed
        with pytest.raises(conn.connection_errors):
            taken[0].ack()


def _health(port):
    """The JSON /healthz answers on the drill's web node."""
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def test_redis_killed_three_times_under_vote_load_the_worker_stays_up_and_catches_up(
        finalists, vote_programme, portal_on_drill_redis, stack_env, drill_dir, mail_dir):
    """Redis is killed (-9) and started again, empty, three times while votes flow through
    gunicorn and the worker, run as docker-compose.yml runs it (prefork, two children), has
    tasks in flight. The worker process stays up through all three, and once Redis is back
    every vote is sealed into the ledger and every voter gets exactly one receipt email, and
    /healthz, which said "degraded" until a worker had run beat's heartbeat, says "ok"."""
    from ozgeris.models import OutboxMessage
    from ozgeris.tasks import drain_outbox, heartbeat
    from voting.models import LedgerEntry, Vote
    from voting.tasks import seal_ledger

    redis = portal_on_drill_redis
    voters = _signed_in_voters(600)
    finalist_pks = [f.pk for f in finalists]
    node = WebNode(stack_env, drill_dir / "logs")
    worker = CeleryWorker(stack_env, drill_dir / "logs", pool="prefork", concurrency=2)
    outcomes = {}  # voter index -> (kind, detail)
    lock = threading.Lock()
    acked = threading.Semaphore(0)
    stop = threading.Event()
    threads_number = 4

    def load(offset):
        for index in range(offset, len(voters), threads_number):
            if stop.is_set():
                return
            outcome = _post_vote(node.port, voters[index], finalist_pks[index % 3])
            with lock:
                outcomes[index] = outcome
            if outcome[0] == "acked":
                acked.release()
            time.sleep(0.05)  # a steady flow, so that the voters last through the outages

    def acknowledged(number):
        for _ in range(number):
            assert acked.acquire(timeout=DRAIN_SECONDS), f"votes stopped: {len(outcomes)} cast"

    def reconnect_attempts():
        return worker.log().count("Cannot connect to redis")

    threads = [threading.Thread(target=load, args=(i,)) for i in range(threads_number)]
    try:
        node.start()
        before = _health(node.port)
        assert (before["status"], before["worker"]) == ("degraded", "missing")  # no heartbeat yet
        worker.start()
        for thread in threads:
            thread.start()
        for _outage in range(OUTAGES):
            acknowledged(20)
            # Busy: a seal or a drain taken and not yet acknowledged (late acknowledgement).
            wait_until(lambda: redis.in_flight() > 0, "a task in the worker's hands",
                       timeout=DRAIN_SECONDS, interval=0.02)
            attempts = reconnect_attempts()
            redis.stop()
            acknowledged(15)  # votes go on while Redis is down
            wait_until(lambda before=attempts: not worker.running()
                       or reconnect_attempts() > before,
                       "the worker trying to reconnect", timeout=DRAIN_SECONDS)
            assert worker.running(), worker.log()
            redis.start()
            acknowledged(15)
        acknowledged(20)
        stop.set()
        for thread in threads:
            thread.join(timeout=DRAIN_SECONDS)
        assert not any(thread.is_alive() for thread in threads)

        # What beat sends every few seconds (the drills do not run beat).
        _beat(seal_ledger)
        _beat(drain_outbox)
        votes = Vote.objects.filter(programme=vote_programme)
        receipts = OutboxMessage.objects.filter(purpose="voting:receipt")

        def caught_up():
            if receipts.filter(sent_at__isnull=True).exists():
                # Beat's periodic drain (one drain sends at most 200): the drills run no beat.
                _beat(drain_outbox)
                return False
            return (not votes.filter(ledger_entry__isnull=True).exists()
                    and receipts.count() == votes.count())

        try:
            wait_until(caught_up, "every vote sealed and every receipt sent",
                       timeout=CATCH_UP_SECONDS, interval=0.5)
            _beat(drain_outbox)  # one more periodic drain: still nothing sent twice
            _beat(heartbeat)
            wait_until(redis.idle, "every drain and seal run", timeout=DRAIN_SECONDS)
            wait_until(lambda: _health(node.port)["status"] == "ok", "/healthz ok",
                       timeout=DRAIN_SECONDS)
        except AssertionError:
            print(worker.log())
            raise
        assert worker.running(), worker.log()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=DRAIN_SECONDS)
        node.stop()
        worker.stop()

    assert worker.starts == 1  # the same worker process all along, never restarted
    assert "Unrecoverable error" not in worker.log()
    cast = {i for i, (kind, _code) in outcomes.items() if kind == "acked"}
    assert len(cast) == len(outcomes), outcomes  # none refused or cut
    assert votes.count() == len(cast)
    assert LedgerEntry.objects.filter(programme=vote_programme).count() == len(cast)
    assert receipts.count() == len(cast)
    sent = Counter(to for to, _subject in sent_mail(mail_dir))
    assert {sent[f"load{i:04d}@drill.example.kz"] for i in cast} == {1}
