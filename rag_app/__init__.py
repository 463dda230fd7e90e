"""Manualist's Django project; the Celery app is loaded with it so tasks are found."""

from rag_app.celery import app as celery_app

__all__ = ["celery_app"]
