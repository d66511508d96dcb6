"""Thin Celery tasks of the jury part."""

from celery import shared_task

from . import services


@shared_task(name="jury.tasks.send_scoring_reminders", ignore_result=True)
def send_scoring_reminders():
    """Run hourly by beat: jurors with unscored applications, as the jury stage ends."""
    return services.send_scoring_reminders()
