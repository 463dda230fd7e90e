"""The Celery application; its configuration lives in Django settings under CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rag_app.settings")

app = Celery("manualist")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
