"""The Celery application.

The broker comes from ``CELERY_BROKER_URL`` (settings); with nothing set it is kombu's filesystem transport under
``var/broker`` so the demo needs no server. Tasks are discovered in every installed app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")

app = Celery("safeguard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
