"""Exports in the background: a job row records the request and its progress, a Celery task
renders the registered exporter and stores the file privately; the staff's page polls the
row. With no worker (the embedded default: Celery eager) the job runs in a thread of the web
process after the response, so the page's bar moves there too; a process that stops mid-way
leaves a running job that ``fail_stalled`` marks failed, as it does for a stopped worker.
Files are kept for ``EXPORT_KEEP_HOURS`` and then removed by a periodic task."""

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ozgeris import audit
from ozgeris.registries import exporters

from .models import ExportJob
from .services import ReportError

logger = logging.getLogger(__name__)
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
PROGRESS_EVERY_SECONDS = 0.5


def start_export(*, programme, exporter, language, by, options=None):
    """Queue ``exporter`` for ``programme`` in ``language``. Side effects: a job row, an audit
    entry ``export.started``, the task queued after the commit."""
    if exporters.get(exporter) is None:
        raise ReportError(_("Unknown export."))
    if language not in LANGUAGES:
        raise ReportError(_("Unknown language."))
    with transaction.atomic():
        job = ExportJob.objects.create(programme=programme, exporter=exporter,
                                       language=language, created_by=by,
                                       options=options or {})
        audit.record(by, "export.started", programme, exporter=exporter, language=language)
    transaction.on_commit(lambda: _queue(job.pk))
    return job


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

    try:
        with translation.override(job.language):
            filename, content_type, content = exporters.get(job.exporter).render(
                job.programme, {**job.options, "language": job.language}, progress)
        job.file.save(f"{job.pk}-{filename}", ContentFile(content), save=False)
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
        error="")


def exporter_title(name):
    """What staff read for an exporter's name: its title (the name, once it is unregistered)."""
    exporter = exporters.get(name)
    return exporter.title if exporter else name


def language_name(code):
    """``kk`` → "Kazakh" in the page's language."""
    return dict(settings.LANGUAGES).get(code, code)


def fail_stalled(now=None, jobs=None):
    """Mark failed the running exports (of ``jobs``, a queryset; all by default) that have not
    reported progress for ``EXPORT_STALLED_MINUTES``: their worker stopped (a restart, a
    crash, memory) and nothing else would ever finish them. Returns how many."""
    limit = (now or timezone.now()) - timedelta(minutes=settings.EXPORT_STALLED_MINUTES)
    stalled = (ExportJob.objects.all() if jobs is None else jobs).filter(
        Q(progress_at__lt=limit) | Q(progress_at__isnull=True, created_at__lt=limit),
        state=ExportJob.State.RUNNING)
    return stalled.update(state=ExportJob.State.FAILED, finished_at=now or timezone.now(),
                          error="Stalled: no progress for "
                                f"{settings.EXPORT_STALLED_MINUTES} minutes (its worker stopped).")


def remove_expired(now=None):
    """Delete the files and rows of exports older than ``EXPORT_KEEP_HOURS``."""
    limit = (now or timezone.now()) - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    expired = list(ExportJob.objects.filter(created_at__lt=limit))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return len(expired)
