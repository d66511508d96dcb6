"""Celery application. Without REDIS_URL every task runs inline (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgeris.settings")

app = Celery("ozgeris")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
