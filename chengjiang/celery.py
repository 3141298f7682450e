"""The Celery application: ``celery -A chengjiang worker`` (``make worker``).

Settings come from Django's (``CELERY_*``: the broker is ``CELERY_BROKER_URL``, else
``REDIS_URL``); tasks are found in each app's ``tasks.py``. Jobs record their own status and
result (``chengjiang.jobs``), so there is no result backend.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengjiang.settings")

app = Celery("chengjiang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
