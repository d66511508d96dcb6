"""Thin Celery tasks of the applications part."""

from celery import shared_task

from . import reminders


@shared_task(name="applications.tasks.send_draft_reminders", ignore_result=True)
def send_draft_reminders():
    """Run hourly by beat: reminders a week and a day before the deadline."""
    return reminders.send_draft_reminders()
