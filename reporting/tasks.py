"""Thin Celery tasks of the reports."""

from celery import shared_task

from . import jobs


@shared_task(name="reporting.tasks.run_export", ignore_result=True)
def run_export(job_id):
    jobs.run(job_id)


@shared_task(name="reporting.tasks.fail_stalled_exports", ignore_result=True)
def fail_stalled_exports():
    return jobs.fail_stalled()


@shared_task(name="reporting.tasks.remove_expired_exports", ignore_result=True)
def remove_expired_exports():
    return jobs.remove_expired()
