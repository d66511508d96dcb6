"""Exports in the background: a job row records the request and its progress, a Celery task
renders the registered exporter and stores the file privately; the staff's page polls the
row. With no worker (the embedded default: Celery eager) the job runs in a thread of the web
process after the response, so the page's bar moves there too; a process that stops mid-way
leaves a running job that ``fail_stalled`` marks failed, as it does for a stopped worker and
for a queued job whose task was lost. Files are kept for ``EXPORT_KEEP_HOURS`` and then
removed by a periodic task. Who opens a job's page, progress and file, and sees it listed:
``may_read_job`` (every export the file carries, those it attaches among them)."""

import json
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris import audit
from ozgeris.permissions import is_programme_staff
from ozgeris.reader_seats import figures_held, may_read_export, offered_exporters, sealed_for
from ozgeris.registries import exporters

from . import companion
from .models import ExportJob
from .services import ReportError

logger = logging.getLogger(__name__)
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
PROGRESS_EVERY_SECONDS = 0.5
# Why an export whose figures are not out yet is refused (``figures_held``), to anyone.
HELD = gettext_lazy("This export is available once its figures are out: the vote's file "
                    "after the vote closes, its totals after the results are released.")

# The exports whose file attaches other exports (the grant report, its appendices' exports:
# ``companion.attached_exports``), and the option in which ``run`` records those a file carries.
ATTACHING = ("report", "report-xlsx")
ATTACHED = "attached"


def start_export(*, programme, exporter, language, by, options=None, one_at_a_time=False):
    """Queue ``exporter`` for ``programme`` in ``language`` and return its job. Refused, to
    staff as to the read-only seats, while the exporter holds the programme's figures
    (``reader_seats.figures_held``). With ``one_at_a_time`` (a read-only seat's exports), while
    an export of ``by`` is queued or running that job is returned and nothing is started; one
    that will never finish (``fail_stalled``) is marked failed first and does not count. Side
    effects: a job row, an audit entry ``export.started``, the task queued after the commit."""
    if exporters.get(exporter) is None:
        raise ReportError(_("Unknown export."))
    if language not in LANGUAGES:
        raise ReportError(_("Unknown language."))
    if figures_held(exporter, programme):
        raise ReportError(str(HELD))
    with transaction.atomic():
        if one_at_a_time:
            under_way = _under_way(by)
            if under_way is not None:
                return under_way
        job = ExportJob.objects.create(programme=programme, exporter=exporter,
                                       language=language, created_by=by,
                                       options=options or {})
        audit.record(by, "export.started", programme, exporter=exporter, language=language)
    transaction.on_commit(lambda: _queue(job.pk))
    return job


def _under_way(user):
    """``user``'s export queued or running, or None, after failing the ones of theirs that will
    never finish. Locks ``user``'s row until the caller's transaction ends, so that the
    requests of one person (a double click, two tabs) check and start one after the other on
    PostgreSQL; SQLite's transactions (IMMEDIATE) already do."""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).values_list(
        "pk", flat=True).get()
    own = ExportJob.objects.filter(created_by=user)
    fail_stalled(jobs=own)
    return own.filter(state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING]).first()


def _queue(job_id):
    from .tasks import run_export

    if run_export.app.conf.task_always_eager:
        _run_after_response(job_id)
        return
    try:
        run_export.delay(job_id)
    except Exception as exc:  # noqa: BLE001 - a broker outage: run it here rather than lose it
        logger.warning("Could not queue export %s, running it here: %s", job_id, exc)
        _run_after_response(job_id)


def _run_after_response(job_id):
    """Run the job in a thread of its own, so the request that started it returns at once.
    A thread reads only committed rows: while the caller still holds a transaction open
    (callbacks run inside a test's), the job runs here instead."""
    if transaction.get_connection().in_atomic_block:
        run(job_id)
        return
    threading.Thread(target=_run_in_thread, args=(job_id,), name=f"export-{job_id}",
                     daemon=True).start()


def _run_in_thread(job_id):
    try:
        run(job_id)
    except Exception:  # noqa: BLE001 - a thread's exception would reach nobody: log it
        logger.exception("Export %s stopped", job_id)
    finally:
        connections.close_all()  # this thread's own connections


def run(job_id):
    """Render one job's export, reporting progress on its row."""
    # Taken only once, even if the task is delivered twice.
    if not ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
            state=ExportJob.State.RUNNING, message="", progress_at=timezone.now()):
        return
    job = ExportJob.objects.select_related("programme").get(pk=job_id)
    last = [0.0]

    def progress(done, total, message=""):
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS and done < total:
            return
        last[0] = now
        ExportJob.objects.filter(pk=job.pk).update(done=done, total=total,
                                                    message=str(message)[:200],
                                                    progress_at=timezone.now())

    attached = set(attached_exports(job))
    try:
        with translation.override(job.language):
            filename, content_type, content = exporters.get(job.exporter).render(
                job.programme, {**job.options, "language": job.language}, progress)
        job.file.save(f"{job.pk}-{filename}", ContentFile(content), save=False)
        # What the file carries, for ``may_read_job``: read before and after the render, so
        # that an appendix edited meanwhile is counted too.
        attached.update(attached_exports(job))
    except Exception as error:  # noqa: BLE001 - the job says it failed instead of running on
        logger.exception("Export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        return
    # Done even if it was taken for stalled meanwhile (a step longer than the limit): the
    # file is there after all.
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.DONE, file=job.file.name, filename=filename,
        content_type=content_type, finished_at=timezone.now(), done=1, total=1, message="",
        error="", options={**job.options, ATTACHED: sorted(attached)})


def attached_exports(job, *, known=None):
    """The names of the exports ``job``'s file carries besides its own: those ``run`` recorded,
    or, before then (a job made before the record, or not done), those it would attach now.
    Without the ones sealed from its creator (``options["sealed"]``, the reports page's) or
    held from a read-only seat (``options["for_reader"]``): the file leaves them out.
    ``known``: a dict the caller keeps, so that jobs of one programme and options are
    worked out once."""
    if job.exporter not in ATTACHING:
        return []
    if ATTACHED in job.options:
        return list(job.options[ATTACHED])
    known = {} if known is None else known
    key = (job.programme_id, json.dumps(job.options, sort_keys=True))
    if key not in known:
        known[key] = companion.attached_exports(job.programme, job.options)
    return known[key]


def sealed_names(user, programme):
    """The names of the exports of ``programme`` sealed from ``user`` (``sealed_for``): those
    the reports page leaves out of the report ``user`` asks for (``options["sealed"]``)."""
    return [name for name in exporters.names() if sealed_for(user, name, programme)]


def may_read_job(user, job, *, sealed=None, known=None):
    """May ``user`` open ``job`` (its page, its progress, its file)? Only if they may read
    every export its file carries: its own (``may_read_export``) and each one it attaches
    (``attached_exports``), none ``sealed_for`` them (a staff juror, a colleague's grant
    report attaching the jury's scores before the results are applied). A read-only seat
    opens its own jobs only: a staff member's report carries personal data. ``sealed``:
    ``sealed_names(user, job.programme)``, when the caller has it; ``known``: as for
    ``attached_exports``."""
    if not is_programme_staff(user) and job.created_by_id != user.pk:
        return False
    if sealed is None:
        sealed = sealed_names(user, job.programme)
    if not may_read_export(user, job.exporter, job.programme, sealed=sealed):
        return False
    return not sealed or not set(sealed) & set(attached_exports(job, known=known))


def readable_jobs(user, jobs):
    """``jobs`` (a queryset) less those ``may_read_job`` refuses ``user``: the reports page's
    list. A seat's list holds its own jobs of the exports it may read; a job of an export that
    can be sealed, or one that attaches others, is checked one by one."""
    if not is_programme_staff(user):
        jobs = jobs.filter(created_by=user, exporter__in=offered_exporters(user))
    sealable = [name for name in exporters.names() if exporters.get(name).sealed_for]
    if not sealable:
        return jobs
    sealed, known = {}, {}  # by programme, and by programme and options: read once
    refused = []
    for job in jobs.filter(exporter__in=[*sealable, *ATTACHING]).select_related("programme"):
        if job.programme_id not in sealed:
            sealed[job.programme_id] = sealed_names(user, job.programme)
        if not may_read_job(user, job, sealed=sealed[job.programme_id], known=known):
            refused.append(job.pk)
    return jobs.exclude(pk__in=refused)


def exporter_title(name):
    """What staff read for an exporter's name: its title (the name, once it is unregistered)."""
    exporter = exporters.get(name)
    return exporter.title if exporter else name


def language_name(code):
    """``kk`` → "Kazakh" in the page's language."""
    return dict(settings.LANGUAGES).get(code, code)


# What ``fail_stalled`` writes in a job's ``error`` (for the developers; staff and the seats
# read the job page's text in their language).
STALLED = "Stalled: no progress for {minutes} minutes (its worker stopped)."
LOST = "Lost: not started within {minutes} minutes of being queued (its task never ran)."
LOST_MARK = "Lost:"


def fail_stalled(now=None, jobs=None):
    """Mark failed the exports (of ``jobs``, a queryset; all by default) that nothing will ever
    finish. Returns how many.

    * Stalled: running, without progress for ``EXPORT_STALLED_MINUTES``: its worker stopped (a
      restart, a crash, memory).
    * Lost: still queued ``EXPORT_STALLED_MINUTES`` after it was created: its task will not
      come (Redis keeps no queue over a restart; the web process may stop between the commit
      and the queueing, or its thread before the job starts). It is failed, not queued again:
      the person starts it again and gets their file at once, and a task that still arrives
      finds the job failed and does nothing (``run`` takes queued jobs only), so no job ever
      runs twice or beside the one started again."""
    now = now or timezone.now()
    minutes = settings.EXPORT_STALLED_MINUTES
    limit = now - timedelta(minutes=minutes)
    jobs = ExportJob.objects.all() if jobs is None else jobs
    stalled = jobs.filter(
        Q(progress_at__lt=limit) | Q(progress_at__isnull=True, created_at__lt=limit),
        state=ExportJob.State.RUNNING).update(
            state=ExportJob.State.FAILED, finished_at=now, error=STALLED.format(minutes=minutes))
    lost = jobs.filter(state=ExportJob.State.QUEUED, created_at__lt=limit).update(
        state=ExportJob.State.FAILED, finished_at=now, error=LOST.format(minutes=minutes))
    return stalled + lost


def oldest_queued_export():
    """When the export queued longest was queued, or None: /healthz's wait "exports" (age
    ``oldest_queued_export_age``), "late" past ``queued_export_max_age``. A worker starts an
    export within seconds, and beat's ``fail-stalled-exports`` (every five minutes) fails one
    still queued after ``EXPORT_STALLED_MINUTES`` as lost: one queued longer means that its
    task never came and that the clean-up does not run either. Once failed it no longer
    counts: its person reads "lost, start it again" on the job's page."""
    return (ExportJob.objects.filter(state=ExportJob.State.QUEUED).order_by("created_at")
            .values_list("created_at", flat=True).first())


def queued_export_max_age():
    """Seconds an export may wait queued before /healthz calls the exports late."""
    return settings.EXPORT_STALLED_MINUTES * 60


def was_lost(job):
    """Whether ``job`` failed because its task never ran (``fail_stalled``)."""
    return job.state == ExportJob.State.FAILED and job.error.startswith(LOST_MARK)


def remove_expired(now=None):
    """Delete the files and rows of exports older than ``EXPORT_KEEP_HOURS``."""
    limit = (now or timezone.now()) - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    expired = list(ExportJob.objects.filter(created_at__lt=limit))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return len(expired)
